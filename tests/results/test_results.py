"""Results: the final score under the declared rule, worked by hand; ties; the proposed
awards and overrides; publishing with the table's SHA-256 and the methods text; unpublishing
and a changed version; the gallery and certificates."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta

import pytest
from fastapi import FastAPI

from app.core.db import utcnow
from tests.factories import anonymous, client_for
from tests.judging.world import JudgedRound, judged_round

approx = pytest.approx
SLUG = "hiv-testing"


def _contest(app: FastAPI, mailbox) -> JudgedRound:
    """Four entries judged by two judges (shown scores 9, 6, 6, 2 on 1–10: jury 8/9, 5/9,
    5/9, 1/9), then a public vote: E4 three votes, E1 one."""
    w = judged_round(app, mailbox, entries=4)
    e1, e2, e3, e4 = w.entry_ids
    for name in ("ada", "bo"):
        w.score(name, e1, 9, 9)
        w.score(name, e2, 7, 4)  # (2·6/9 + 3/9)/3 = 5/9
        w.score(name, e3, 6, 6)  # 5/9
    w.score("ada", e4, 1, 1)
    w.score("bo", e4, 3, 3)  # mean 1/9
    now = utcnow()
    r = w.org.patch(
        f"/api/challenges/{SLUG}",
        json={
            "voting_opens_at": (now - timedelta(minutes=5)).isoformat(),
            "voting_closes_at": (now + timedelta(days=2)).isoformat(),
        },
    )
    assert r.status_code == 200, r.text
    r = w.org.patch(f"/api/challenges/{SLUG}/voting", json={"enabled": True})
    assert r.status_code == 200, r.text
    for n, entry in enumerate((e4, e4, e4, e1)):
        voter = client_for(app, f"voter{n}@example.org")
        assert (
            voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": entry}).status_code == 201
        )
    return w


def test_final_score_worked_by_hand(app: FastAPI, mailbox) -> None:
    w = _contest(app, mailbox)
    e1, e2, e3, e4 = w.entry_ids
    # Voting has opened: the rule is frozen, a change needs a reason.
    refused = w.org.patch(f"/api/challenges/{SLUG}/results/rules", json={"w_jury": 0.5})
    assert (refused.status_code, refused.json()["error"]["field"]) == (409, "reason")
    r = w.org.patch(
        f"/api/challenges/{SLUG}/results/rules",
        json={"w_jury": 0.5, "w_public": 0.5, "reason": "Declared in the call text"},
    )
    assert r.status_code == 200 and r.json()["frozen"] is True
    table = w.org.get(f"/api/challenges/{SLUG}/results/standings").json()
    rows = [
        (s["entry_id"], s["position"], s["votes"], s["share"], s["final"])
        for s in table["groups"][""]
    ]
    # final = 0.5 · jury + 0.5 · share
    assert rows == [
        (e1, 1, 1, 0.25, approx(0.5 * 8 / 9 + 0.5 * 0.25)),
        (e4, 2, 3, 0.75, approx(0.5 * 1 / 9 + 0.5 * 0.75)),
        (e2, 3, 0, 0.0, approx(0.5 * 5 / 9)),
        (e3, 4, 0, 0.0, approx(0.5 * 5 / 9)),
    ]
    # E2 and E3 tie; with no declared tie-break the organisers' choice is the last resort, and
    # until they record one the lower entry id comes first.
    assert [s["tie_resolved_by"] for s in table["groups"][""]] == [None, None, None, None]
    jury = {s["entry_id"]: s["jury"] for s in table["groups"][""]}
    assert jury == {e1: approx(8 / 9), e2: approx(5 / 9), e3: approx(5 / 9), e4: approx(1 / 9)}


def test_the_standings_come_a_page_of_each_group_at_a_time(app: FastAPI, mailbox) -> None:
    """The first page of every group, then the next pages of one group by its cursor; the
    totals cover the whole; a cursor without its group, or a group the standings lack, is
    refused naming the field."""
    w = _contest(app, mailbox)
    e1, e2, e3, e4 = w.entry_ids
    w.org.patch(
        f"/api/challenges/{SLUG}/results/rules",
        json={"w_jury": 0.5, "w_public": 0.5, "reason": "Declared in the call text"},
    )
    url = f"/api/challenges/{SLUG}/results/standings"
    first = w.org.get(url, params={"limit": 3}).json()
    assert [s["entry_id"] for s in first["groups"][""]] == [e1, e4, e2]
    assert first["group_totals"] == {"": 4}
    cursor = first["next_cursors"][""]
    assert cursor
    rest = w.org.get(url, params={"limit": 3, "group": "", "cursor": cursor}).json()
    assert [(s["entry_id"], s["position"]) for s in rest["groups"][""]] == [(e3, 4)]
    assert rest["next_cursors"] == {"": None} and rest["group_totals"] == {"": 4}
    whole = w.org.get(url).json()
    assert whole["next_cursors"] == {"": None} and len(whole["groups"][""]) == 4

    no_group = w.org.get(url, params={"cursor": cursor})
    assert (no_group.status_code, no_group.json()["error"]["field"]) == (400, "group")
    unknown = w.org.get(url, params={"group": "Rural"})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "unknown_group")
    bad = w.org.get(url, params={"group": "", "cursor": "aWQ6Mw"})  # an id cursor, not a place
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "cursor")
    assert w.participant.get(url).status_code in (403, 404)


def test_awards_publish_hash_methods_unpublish_and_a_new_version(app: FastAPI, mailbox) -> None:
    w = _contest(app, mailbox)
    e1, e2, e3, e4 = w.entry_ids
    w.org.patch(
        f"/api/challenges/{SLUG}/results/rules",
        json={"w_jury": 1, "w_public": 0, "reason": "Jury decides; people's choice apart"},
    )
    assert w.org.post(f"/api/challenges/{SLUG}/results/publish", json={}).status_code == 409
    proposed = w.org.post(f"/api/challenges/{SLUG}/awards/propose").json()
    assert [(a["entry_id"], a["tier"]) for a in proposed] == [
        (e1, "winner"),
        (e2, "second"),
        (e3, "third"),
        (e4, "peoples_choice"),
        (e4, "finalist"),
    ]
    # An override needs a reason.
    assert (
        w.org.post(
            f"/api/challenges/{SLUG}/awards", json={"entry_id": e3, "tier": "honourable_mention"}
        ).status_code
        == 422
    )
    mention = w.org.post(
        f"/api/challenges/{SLUG}/awards",
        json={
            "entry_id": e4,
            "tier": "custom",
            "label": "Best rural idea",
            "reason": "Jury's wish",
        },
    )
    assert mention.status_code == 201 and mention.json()["tier_label"] == "Best rural idea"

    assert w.participant.get(f"/api/entries/{e1}/awards").json() == []
    published = w.org.post(f"/api/challenges/{SLUG}/results/publish", json={})
    assert published.status_code == 200, published.text
    page = anonymous(app).get(f"/api/challenges/{SLUG}/results").json()
    assert page["publication"]["version"] == 1
    download = anonymous(app).get(page["publication"]["table_url"])
    assert hashlib.sha256(download.content).hexdigest() == page["publication"]["sha256"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["position"], r["awards"]) for r in rows] == [
        ("1", "Winner"),
        ("2", "Second place"),
        ("3", "Third place"),
        ("4", "People's choice; Finalist; Best rural idea"),
    ]
    assert float(rows[0]["jury_score"]) == 8 / 9  # full precision
    methods = page["publication"]["methods"]
    assert "4 entries were received and 4 were found eligible." in methods
    assert "Round 1: blind judging, 2 judges per entry" in methods
    assert "Final score = 1 × jury score (0–1) + 0 × vote share (0–1)." in methods
    assert "4 votes were counted; 0 were held for review and not counted." in methods
    assert [a["tier"] for a in page["awards"]][:3] == ["winner", "second", "third"]
    assert "submitter" not in str(page) and "p@example.org" not in str(page)

    # The gallery opens with the results; certificates for the entrant and organisers only.
    gallery = anonymous(app).get(f"/api/challenges/{SLUG}/gallery").json()
    assert gallery["total"] == 4
    winner = next(
        a for a in w.org.get(f"/api/challenges/{SLUG}/awards").json() if a["tier"] == "winner"
    )
    mine = w.participant.get(f"/api/entries/{e1}/awards").json()
    assert [(a["tier"], a["certificate_url"]) for a in mine] == [
        ("winner", f"/certificate.html?award={winner['id']}")
    ]
    cert = w.participant.get(f"/api/awards/{winner['id']}/certificate").json()
    assert (cert["tier_label"], cert["names"]) == ("Winner", ["Pat Participant"])
    assert w.judges["ada"].get(f"/api/awards/{winner['id']}/certificate").status_code == 404

    # Unpublish (with a reason), then a new version says what changed.
    assert w.org.post(f"/api/challenges/{SLUG}/results/unpublish", json={}).status_code == 422
    assert (
        w.org.post(
            f"/api/challenges/{SLUG}/results/unpublish", json={"reason": "Checking a score"}
        ).status_code
        == 204
    )
    assert anonymous(app).get(f"/api/challenges/{SLUG}/results").status_code == 404
    w.org.delete(
        f"/api/challenges/{SLUG}/awards/{mention.json()['id']}", params={"reason": "Withdrawn"}
    )
    assert w.org.post(f"/api/challenges/{SLUG}/results/publish", json={}).status_code == 422
    again = w.org.post(
        f"/api/challenges/{SLUG}/results/publish", json={"reason": "Award withdrawn"}
    ).json()
    assert again["publication"]["version"] == 2
    ref4 = next(r["reference"] for r in rows if r["position"] == "4")
    assert again["publication"]["changes"] == (
        f"{ref4}: awards 'People's choice; Finalist; Best rural idea' → "
        "'People's choice; Finalist', position 4 → 4"
    )
    assert [h["version"] for h in again["history"]] == [1]
    audit = w.org.get(f"/api/challenges/{SLUG}/audit").json()["items"]
    assert {"results.publish", "results.unpublish", "award.add", "award.remove"} <= {
        e["action"] for e in audit
    }
