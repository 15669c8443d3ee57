"""Assignment on a real round: eligible entries, the active panel, the conflict register."""

from __future__ import annotations

from collections import Counter

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.db import utcnow
from app.models import Assignment, Judge, JudgeStatus, Scorecard, ScorecardStatus
from tests.factories import client_for, make_challenge, submitted_entry


def _setup(
    app: FastAPI, entries: int = 6, judges: int = 3
) -> tuple[TestClient, int, list[int], list[int]]:
    org = client_for(app, "org@example.org")
    make_challenge(org, max_entries_per_participant=50)
    p = client_for(app, "p@example.org")
    entry_ids = [submitted_entry(p)["id"] for _ in range(entries)]
    org.post(
        "/api/challenges/hiv-testing/screening",
        json={"entry_ids": entry_ids, "eligibility": "eligible"},
    )
    judge_ids = []
    for i in range(judges):
        r = org.post(
            "/api/challenges/hiv-testing/judges",
            json={"email": f"j{i}@uni{i}.edu", "display_name": f"J{i}"},
        )
        judge_ids.append(r.json()["id"])
    with Session(app.state.engine) as session:  # as if each had accepted the mailed invitation
        for judge in session.exec(select(Judge)).all():
            judge.status = JudgeStatus.active
            session.add(judge)
        session.commit()
    round_id = org.post(
        "/api/challenges/hiv-testing/rounds",
        json={
            "name": "Review",
            "judges_per_entry": 2,
            "criteria": [{"name": "Impact", "preset": "1-10"}],
        },
    ).json()["id"]
    return org, round_id, entry_ids, judge_ids


def test_each_eligible_entry_gets_k_judges_with_balanced_loads(app: FastAPI, mailbox) -> None:
    org, round_id, entry_ids, judge_ids = _setup(app)
    # One entry is ineligible after all: the round does not take it.
    org.post(f"/api/entries/{entry_ids[-1]}/reopen-screening", json={"reason": "Duplicate"})
    org.post(
        f"/api/entries/{entry_ids[-1]}/eligibility",
        json={"eligibility": "ineligible", "reason": "Duplicate"},
    )
    org.post(
        "/api/challenges/hiv-testing/conflicts",
        json={"judge_id": judge_ids[0], "entry_id": entry_ids[0], "reason": "Cousin"},
    )
    report = org.post(f"/api/rounds/{round_id}/assign", json={"seed": 7})
    assert report.status_code == 200, report.text
    body = report.json()
    assert (
        body["entries"],
        body["judges"],
        body["pairs"],
        body["added"],
        body["removed"],
        body["shortfalls"],
    ) == (5, 3, 10, 10, 0, [])
    assert sorted(body["loads"].values()) == [3, 3, 4]
    pairs = org.get(f"/api/rounds/{round_id}/assignments").json()
    per_entry = Counter(a["entry_id"] for a in pairs)
    assert per_entry == {e: 2 for e in entry_ids[:-1]}
    assert (entry_ids[0], judge_ids[0]) not in {(a["entry_id"], a["judge_id"]) for a in pairs}
    again = org.post(f"/api/rounds/{round_id}/assign", json={"seed": 7}).json()
    assert (again["added"], again["removed"]) == (0, 0)  # incremental: nothing to change
    # The options are kept on the round, for the reassignments it makes by itself.
    org.post(
        f"/api/rounds/{round_id}/assign",
        json={"required_tags": [" Clinician "], "match_language": True},
    )
    kept = org.get(f"/api/rounds/{round_id}").json()
    assert (kept["required_tags"], kept["match_language"], kept["assignment_seed"]) == (
        ["clinician"],
        True,
        7,
    )


def test_shortfalls_are_reported_and_submitted_scorecards_kept(app: FastAPI, mailbox) -> None:
    org, round_id, entry_ids, judge_ids = _setup(app, entries=2, judges=2)
    org.post(
        "/api/challenges/hiv-testing/conflicts",
        json={"judge_id": judge_ids[1], "entry_id": entry_ids[0], "reason": "Colleague"},
    )
    body = org.post(f"/api/rounds/{round_id}/assign", json={}).json()
    assert [(s["entry_id"], s["missing"]) for s in body["shortfalls"]] == [(entry_ids[0], 1)]
    assert "conflict" in body["shortfalls"][0]["reason"]
    # A submitted scorecard pins its pair even when the judge then withdraws.
    with Session(app.state.engine) as session:
        pinned = session.exec(
            select(Assignment).where(
                Assignment.entry_id == entry_ids[1], Assignment.judge_id == judge_ids[1]
            )
        ).one()
        session.add(
            Scorecard(
                assignment_id=pinned.id, status=ScorecardStatus.submitted, submitted_at=utcnow()
            )
        )
        session.commit()
    org.patch(f"/api/challenges/hiv-testing/judges/{judge_ids[1]}", json={"status": "withdrawn"})
    after = org.post(f"/api/rounds/{round_id}/assign", json={}).json()
    pairs = {
        (a["entry_id"], a["judge_id"]): a["scorecard_status"]
        for a in org.get(f"/api/rounds/{round_id}/assignments").json()
    }
    assert pairs[(entry_ids[1], judge_ids[1])] == "submitted"
    assert after["removed"] == 0
    scored = next(
        a
        for a in org.get(f"/api/rounds/{round_id}/assignments").json()
        if a["scorecard_status"] == "submitted"
    )
    refused = org.delete(f"/api/assignments/{scored['id']}")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "scored"


def test_assign_and_unassign_by_hand(app: FastAPI, mailbox) -> None:
    org, round_id, entry_ids, judge_ids = _setup(app, entries=1, judges=2)
    org.post(
        "/api/challenges/hiv-testing/conflicts",
        json={"judge_id": judge_ids[0], "entry_id": entry_ids[0], "reason": "Co-author"},
    )
    conflicted = org.post(
        f"/api/rounds/{round_id}/assignments",
        json={"entry_id": entry_ids[0], "judge_id": judge_ids[0]},
    )
    assert conflicted.status_code == 409 and conflicted.json()["error"]["code"] == "conflicted"
    made = org.post(
        f"/api/rounds/{round_id}/assignments",
        json={"entry_id": entry_ids[0], "judge_id": judge_ids[1], "reason": "Expert"},
    )
    assert made.status_code == 201 and made.json()["source"] == "manual"
    assert (
        org.post(
            f"/api/rounds/{round_id}/assignments",
            json={"entry_id": entry_ids[0], "judge_id": judge_ids[1]},
        ).status_code
        == 409
    )
    assert (
        org.delete(
            f"/api/assignments/{made.json()['id']}", params={"reason": "Changed my mind"}
        ).status_code
        == 204
    )
    events = org.get(
        "/api/challenges/hiv-testing/audit", params={"object_type": "assignment"}
    ).json()["items"]
    assert [(e["action"], e["reason"]) for e in events] == [
        ("assignment.remove", "Changed my mind"),
        ("assignment.add", "Expert"),
    ]


def test_the_entries_with_their_judges_come_a_page_at_a_time(app: FastAPI, mailbox) -> None:
    """The assignment page's table: entries in order with their judges and counts, a page at
    a time, by reference, or only those short of k judges; organisers only."""
    org, round_id, entry_ids, _ = _setup(app, entries=5, judges=3)
    assert org.post(f"/api/rounds/{round_id}/assign", json={"seed": 1}).status_code == 200
    url = f"/api/rounds/{round_id}/assignments/entries"
    first = org.get(url, params={"limit": 2}).json()
    assert [e["entry_id"] for e in first["items"]] == entry_ids[:2]
    assert (first["total"], first["matching"], first["lacking"], first["pairs"]) == (5, 5, 0, 10)
    one = first["items"][0]
    assert (one["assigned"], one["submitted"], one["short"]) == (2, 0, 0)
    assert [p["entry_id"] for p in one["pairs"]] == [entry_ids[0]] * 2
    assert {p["scorecard_status"] for p in one["pairs"]} == {None}
    seen = [e["entry_id"] for e in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = org.get(url, params={"limit": 2, "cursor": cursor}).json()
        seen += [e["entry_id"] for e in page["items"]]
        cursor = page["next_cursor"]
    assert seen == entry_ids

    # One judge off the third entry: it is short of k, and the filter finds it.
    pair = org.get(url, params={"limit": 5}).json()["items"][2]["pairs"][0]
    assert org.delete(f"/api/assignments/{pair['id']}").status_code == 204
    short = org.get(url, params={"short": "true"}).json()
    assert [(e["entry_id"], e["assigned"], e["short"]) for e in short["items"]] == [
        (entry_ids[2], 1, 1)
    ]
    assert (short["matching"], short["lacking"], short["pairs"]) == (1, 1, 9)
    assert org.get(url, params={"short": "false"}).json()["matching"] == 4
    reference = short["items"][0]["reference"]
    found = org.get(url, params={"q": reference.lower()}).json()
    assert [e["entry_id"] for e in found["items"]] == [entry_ids[2]]

    bad = org.get(url, params={"cursor": "nonsense"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "cursor")
    assert client_for(app, "someone@example.org").get(url).status_code == 404
