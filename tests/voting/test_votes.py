"""Voting through the API: the rules, the ballot, casting, limits, retracting, self-votes and
unverified voters refused, bursts of new accounts held, and the organisers' review."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.db import utcnow
from app.models import BallotSource, Challenge, Round, RoundEntry, User, Vote, VotingRules
from tests.factories import anonymous, client_for, login, make_challenge, submitted_entry

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
    assert counts == {"counted": 2, "held": 0, "discarded": 0, "voters": 1}
    per_entry = org.get(f"/api/challenges/{SLUG}/votes/counts/entries").json()
    assert per_entry["next_cursor"] is None
    assert [(e["entry_id"], e["counted"], e["held"]) for e in per_entry["items"]] == [
        (e2, 1, 0),
        (e3, 1, 0),
    ]


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
    assert counts == {"counted": 2, "held": 0, "discarded": 3, "voters": 5}
    per_entry = org.get(f"/api/challenges/{SLUG}/votes/counts/entries").json()["items"]
    assert [(e["entry_id"], e["counted"], e["held"], e["discarded"]) for e in per_entry] == [
        (e1, 2, 0, 3)
    ]
    again = org.post(
        f"/api/challenges/{SLUG}/votes/review",
        json={"vote_ids": ids[:1], "decision": "discard", "reason": "Changed my mind"},
    )
    assert again.status_code == 422 and again.json()["error"]["field"] == "vote_ids.0"
    audit = org.get(f"/api/challenges/{SLUG}/audit").json()["items"]
    assert {"votes.release", "votes.discard"} <= {e["action"] for e in audit}


def test_counts_per_entry_page_by_cursor_and_only_organisers_see_them(app: FastAPI) -> None:
    org, ids = _voting_call(app, entries=5, votes_per_voter=5)
    # Entry k gets k votes from k voters (the first entry none: it is not listed).
    for n in range(4):
        voter = client_for(app, f"voter{n}@example.org")
        _age(app, f"voter{n}@example.org", 24 * 30)
        for entry_id in ids[n + 1 :]:
            r = voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": entry_id})
            assert (r.status_code, r.json()["status"]) == (201, "counted"), r.text
    expected = [(entry_id, k) for k, entry_id in enumerate(ids) if k]
    url = f"/api/challenges/{SLUG}/votes/counts/entries"
    seen, cursor, pages = [], None, 0
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        r = org.get(url, params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        seen += [(e["entry_id"], e["counted"]) for e in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert (seen, pages) == (expected, 2)
    assert org.get(f"/api/challenges/{SLUG}/votes/counts").json() == {
        "counted": 10,
        "held": 0,
        "discarded": 0,
        "voters": 4,
    }
    bad = org.get(url, params={"cursor": "not-a-cursor"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_cursor")
    # A voter, an entrant and a stranger see neither the totals nor the list.
    for who in ("voter0@example.org", "entrant@example.org"):
        client = login(app, who)
        assert client.get(url).status_code == 403
        assert client.get(f"/api/challenges/{SLUG}/votes/counts").status_code == 403
    assert anonymous(app).get(url).status_code == 401


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


def test_rules_refuse_null_but_for_the_ballot_round(app: FastAPI) -> None:
    # Found by tests/test_fuzz.py: a null burst or rate-limit rule was a 500.
    org, _ = _voting_call(app)
    for name in (
        "enabled",
        "allow_self_vote",
        "new_account_hours",
        "burst_accounts",
        "burst_minutes",
        "per_account_per_minute",
        "per_address_per_minute",
    ):
        r = org.patch(f"/api/challenges/{SLUG}/voting", json={name: None})
        assert (r.status_code, r.json()["error"]["field"]) == (422, name), r.text
    r = org.patch(f"/api/challenges/{SLUG}/voting", json={"ballot_round_id": None})
    assert r.status_code == 200 and r.json()["ballot_round_id"] is None


def test_a_vote_reads_its_ballot_and_its_caller_in_one_query(app: FastAPI) -> None:
    """The vote's single read (the caller, the call, its rules, the entry) against each
    ballot source, whose vote is recorded, and the caller's refusals in their usual order."""
    from sqlmodel import select

    _org, (e1, e2, e3) = _voting_call(app, votes_per_voter=3)
    now = utcnow()
    with Session(app.state.engine) as session:
        challenge_id = session.exec(select(Challenge.id).where(Challenge.slug == SLUG)).one()
        rounds = [
            Round(challenge_id=challenge_id, position=1, name="One", advanced_at=now),
            Round(challenge_id=challenge_id, position=2, name="Two", advanced_at=now),
            Round(challenge_id=challenge_id, position=3, name="Three"),  # not advanced yet
        ]
        session.add_all(rounds)
        session.flush()
        one, two, _three = (r.id for r in rounds)
        advanced = {(one, e1): True, (one, e2): True, (one, e3): False, (two, e1): False}
        advanced[(two, e2)] = True
        session.add_all(
            RoundEntry(round_id=r, entry_id=e, advanced=a) for (r, e), a in advanced.items()
        )
        session.commit()

    def ballot(source: str, round_id: int | None = None) -> None:
        with Session(app.state.engine) as session:
            rules = session.get(VotingRules, challenge_id)
            assert rules is not None
            rules.ballot, rules.ballot_round_id = BallotSource(source), round_id
            session.add(rules)
            session.commit()

    voter = client_for(app, "voter@example.org")
    _age(app, "voter@example.org", 24 * 30)
    other = client_for(app, "other@example.org")
    _age(app, "other@example.org", 24 * 30)

    def vote(who: TestClient, entry_id: int) -> tuple[int, str | None]:
        r = who.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": entry_id})
        if r.status_code == 201:
            assert who.delete(f"/api/votes/{r.json()['id']}").status_code == 204
            return 201, None
        return r.status_code, r.json()["error"].get("field") or r.json()["error"].get("code")

    assert [vote(voter, e) for e in (e1, e2, e3)] == [(201, None)] * 3  # all eligible
    ballot("advanced", one)
    assert [vote(voter, e) for e in (e1, e2, e3)] == [(201, None), (201, None), (404, "entry_id")]
    ballot("finalists")  # the last round that advanced any: Two
    refused = (404, "entry_id")
    assert [vote(voter, e) for e in (e1, e2, e3)] == [refused, (201, None), refused]

    # Each vote is its caller's, however many sessions are live.
    mine = voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e2}).json()
    theirs = other.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e2}).json()
    with Session(app.state.engine) as session:
        voters = {
            v.id: session.get(User, v.voter_id).email  # type: ignore[union-attr]
            for v in session.exec(select(Vote).where(Vote.challenge_id == challenge_id))
        }
    assert voters == {mine["id"]: "voter@example.org", theirs["id"]: "other@example.org"}

    # No such call: 401 without a live session, 404 with one.
    assert voter.post("/api/challenges/nope/votes", json={"entry_id": e2}).status_code == 404
    assert (
        anonymous(app).post("/api/challenges/nope/votes", json={"entry_id": e2}).status_code == 401
    )
    assert (
        anonymous(app).post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e2}).status_code
        == 401
    )
    # A revoked session, or a deactivated account, votes no more.
    assert voter.post("/api/auth/logout").status_code == 204
    with Session(app.state.engine) as session:
        gone = session.exec(select(User).where(User.email == "other@example.org")).one()
        gone.is_active = False
        session.add(gone)
        session.commit()
    for who in (voter, other):
        r = who.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1})
        assert r.status_code == 401, r.text
