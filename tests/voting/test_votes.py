"""Voting through the API: the rules, the ballot, casting, limits, retracting, self-votes and
unverified voters refused, bursts of new accounts held, and the organisers' review."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.db import utcnow
from app.models import User
from tests.factories import client_for, login, make_challenge, submitted_entry

SLUG = "hiv-testing"


def _voting_call(app: FastAPI, entries: int = 3, **rules: object) -> tuple[TestClient, list[int]]:
    org = client_for(app, "org@example.org")
    make_challenge(org, max_entries_per_participant=50)
    entrant = client_for(app, "entrant@example.org")
    ids = [submitted_entry(entrant)["id"] for _ in range(entries)]
    r = org.post(
        f"/api/challenges/{SLUG}/screening", json={"entry_ids": ids, "eligibility": "eligible"}
    )
    assert r.status_code == 200, r.text
    now = utcnow()
    r = org.patch(
        f"/api/challenges/{SLUG}",
        json={
            "voting_opens_at": (now - timedelta(hours=1)).isoformat(),
            "voting_closes_at": (now + timedelta(days=3)).isoformat(),
        },
    )
    assert r.status_code == 200, r.text
    r = org.patch(f"/api/challenges/{SLUG}/voting", json={"enabled": True, **rules})
    assert r.status_code == 200, r.text
    return org, ids


def _age(app: FastAPI, email: str, hours: float) -> None:
    """Make an account look `hours` old."""
    from sqlmodel import select

    with Session(app.state.engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        user.created_at = utcnow() - timedelta(hours=hours)
        session.add(user)
        session.commit()


def test_vote_list_retract_and_the_limit(app: FastAPI) -> None:
    org, (e1, e2, e3) = _voting_call(app, votes_per_voter=2)
    rules = client_for(app, "v@example.org").get(f"/api/challenges/{SLUG}/voting").json()
    assert (rules["enabled"], rules["state"], rules["votes_per_voter"]) == (True, "open", 2)
    voter = client_for(app, "voter@example.org")
    _age(app, "voter@example.org", 24 * 30)
    ballot = voter.get(f"/api/challenges/{SLUG}/ballot").json()
    assert (ballot["total"], sorted(e["id"] for e in ballot["items"])) == (3, [e1, e2, e3])
    assert ballot["items"][0]["licence"] == "CC-BY-4.0"

    first = voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1})
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "counted"
    again = voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_voted")
    assert voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e2}).status_code == 201
    third = voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e3})
    assert (third.status_code, third.json()["error"]["code"]) == (409, "no_votes_left")
    mine = voter.get(f"/api/challenges/{SLUG}/votes/mine").json()
    assert ([v["entry_id"] for v in mine["votes"]], mine["used"], mine["left"]) == ([e1, e2], 2, 0)

    # Retracting frees the vote; nobody else can retract it.
    other = client_for(app, "other@example.org")
    assert other.delete(f"/api/votes/{first.json()['id']}").status_code == 404
    assert voter.delete(f"/api/votes/{first.json()['id']}").status_code == 204
    assert voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e3}).status_code == 201
    counts = org.get(f"/api/challenges/{SLUG}/votes/counts").json()
    assert {e["entry_id"]: (e["counted"], e["held"]) for e in counts["entries"]} == {
        e2: (1, 0),
        e3: (1, 0),
    }
    assert (counts["counted"], counts["held"], counts["voters"]) == (2, 0, 1)


def test_refusals_unverified_self_vote_off_ballot_and_outside_the_window(app: FastAPI) -> None:
    org, (e1, *_) = _voting_call(app, entries=1)
    unverified = client_for(app, "new@example.org", verified=False)
    r = unverified.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_verified")
    entrant = login(app, "entrant@example.org")
    r = entrant.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "self_vote")
    voter = client_for(app, "voter@example.org")
    r = voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": 999_999})
    assert (r.status_code, r.json()["error"]["field"]) == (404, "entry_id")

    # Closed: the server's clock decides; the message gives the time in the call's zone.
    closed = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=1)
    r = org.patch(
        f"/api/challenges/{SLUG}",
        json={"voting_closes_at": closed.isoformat(), "timezone": "Africa/Nairobi"},
    )
    assert r.status_code == 200, r.text
    r = voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "voting_closed")
    nairobi = closed + timedelta(hours=3)  # East Africa Time, UTC+3 all year
    assert r.json()["error"]["message"] == (
        f"Voting closed on {nairobi:%Y-%m-%d %H:%M} Africa/Nairobi ({closed:%Y-%m-%d %H:%M} UTC)."
    )
    # Off: nothing on the ballot, no votes.
    org.patch(f"/api/challenges/{SLUG}/voting", json={"enabled": False})
    assert voter.get(f"/api/challenges/{SLUG}/ballot").json()["total"] == 0


def test_one_vote_per_category(app: FastAPI) -> None:
    _org, (e1, e2, _e3) = _voting_call(app, votes_per_voter=3, one_per_category=True)
    # All three entries share a category (the factory's "Community").
    voter = client_for(app, "voter@example.org")
    assert voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1}).status_code == 201
    r = voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e2})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "category_voted")
    assert voter.get(f"/api/challenges/{SLUG}/votes/mine").json()["used"] == 1


def test_a_burst_of_new_accounts_from_one_network_is_held_then_reviewed(app: FastAPI) -> None:
    org, (e1, *_) = _voting_call(app, entries=1, burst_accounts=3, new_account_hours=24)
    statuses = []
    for n in range(4):
        voter = client_for(app, f"fresh{n}@example.org")
        r = voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1})
        assert r.status_code == 201, r.text
        statuses.append(r.json()["status"])
    # The third young account makes it a burst: it and the two before are held, and so is
    # the fourth. An old account on the same network is counted.
    assert statuses == ["counted", "counted", "held", "held"]
    old = client_for(app, "old@example.org")
    _age(app, "old@example.org", 24 * 365)
    assert (
        old.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1}).json()["status"]
        == "counted"
    )
    counts = org.get(f"/api/challenges/{SLUG}/votes/counts").json()
    assert (counts["counted"], counts["held"]) == (1, 4)

    held = org.get(f"/api/challenges/{SLUG}/votes/held").json()
    assert len(held) == 4 and "voted from one network" in held[0]["hold_reason"]
    ids = [h["id"] for h in held]
    bad = org.post(
        f"/api/challenges/{SLUG}/votes/review", json={"vote_ids": ids, "decision": "release"}
    )
    assert bad.status_code == 422  # a reason is required
    r = org.post(
        f"/api/challenges/{SLUG}/votes/review",
        json={"vote_ids": ids[:1], "decision": "release", "reason": "Known school group"},
    )
    assert r.json() == {"released": 1, "discarded": 0}
    r = org.post(
        f"/api/challenges/{SLUG}/votes/review",
        json={"vote_ids": ids[1:], "decision": "discard", "reason": "Throwaway accounts"},
    )
    assert r.json() == {"released": 0, "discarded": 3}
    counts = org.get(f"/api/challenges/{SLUG}/votes/counts").json()
    assert (counts["counted"], counts["held"], counts["discarded"]) == (2, 0, 3)
    again = org.post(
        f"/api/challenges/{SLUG}/votes/review",
        json={"vote_ids": ids[:1], "decision": "discard", "reason": "Changed my mind"},
    )
    assert again.status_code == 422 and again.json()["error"]["field"] == "vote_ids.0"
    audit = org.get(f"/api/challenges/{SLUG}/audit").json()["items"]
    assert {"votes.release", "votes.discard"} <= {e["action"] for e in audit}


def test_rate_limit_per_account(app: FastAPI) -> None:
    _org, ids = _voting_call(app, entries=3, votes_per_voter=3, per_account_per_minute=2)
    voter = client_for(app, "voter@example.org")
    answers = [
        voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e}).status_code for e in ids
    ]
    assert answers == [201, 201, 429]


def test_rules_freeze_once_voting_opens(app: FastAPI) -> None:
    org, _ = _voting_call(app)
    r = org.patch(f"/api/challenges/{SLUG}/voting", json={"votes_per_voter": 5})
    assert (r.status_code, r.json()["error"]["field"]) == (409, "votes_per_voter")
    r = org.patch(f"/api/challenges/{SLUG}/voting", json={"burst_accounts": 8})
    assert r.status_code == 200 and r.json()["burst_accounts"] == 8
    r = org.patch(f"/api/challenges/{SLUG}/voting", json={"ballot": "advanced"})
    assert r.status_code == 409
