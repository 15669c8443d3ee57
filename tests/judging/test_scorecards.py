"""Scorecards: drafts save, submit checks completeness, values keep to the scale and step,
N/A only where allowed, editable while the round is open, locked after, reopened with a
reason; the judge sees only their own assignments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from app.core.db import utcnow
from app.models import Round
from tests.judging.world import judged_round


def test_draft_submit_lock_and_reopen(app: FastAPI, mailbox) -> None:
    w = judged_round(app, mailbox, entries=1, judges=("ada",), k=1)
    impact, feasibility = (c["id"] for c in w.criteria)
    ada = w.judges["ada"]
    [mine] = w.assignments_of("ada")
    assert (mine["round_state"], mine["editable"], mine["blind"], mine["scorecard_status"]) == (
        "open",
        True,
        True,
        None,
    )
    url = f"/api/assignments/{mine['id']}"
    detail = ada.get(url).json()
    assert detail["scorecard"]["status"] == "none"
    assert [c["name"] for c in detail["round"]["criteria"]] == ["Impact", "Feasibility"]

    # A draft may be incomplete, and keeps the comment and feedback.
    saved = ada.put(
        f"{url}/scorecard",
        json={"values": [{"criterion_id": impact, "value": 7}], "comment": "c", "feedback": "f"},
    )
    assert saved.status_code == 200, saved.text
    card = saved.json()
    assert (card["status"], card["values"], card["comment"], card["feedback"], card["score"]) == (
        "draft",
        [{"criterion_id": impact, "value": 7.0, "na": False}],
        "c",
        "f",
        None,
    )

    # Submit names what is missing.
    missing = ada.post(f"{url}/scorecard/submit")
    assert missing.status_code == 422
    assert [d["field"] for d in missing.json()["error"]["details"]] == [f"criterion.{feasibility}"]

    # Off the scale, off the step, N/A where not allowed, value and N/A together: each named.
    bad = ada.put(
        f"{url}/scorecard",
        json={
            "values": [
                {"criterion_id": impact, "value": 11},
                {"criterion_id": feasibility, "value": 2.5},
            ]
        },
    )
    assert bad.status_code == 422
    assert [(d["field"], d["message"]) for d in bad.json()["error"]["details"]] == [
        (f"criterion.{impact}", "Impact: give a value from 1 to 10"),
        (f"criterion.{feasibility}", "Feasibility: values go in steps of 1 from 1"),
    ]
    no_na = ada.put(f"{url}/scorecard", json={"values": [{"criterion_id": impact, "na": True}]})
    assert no_na.json()["error"]["details"] == [
        {"field": f"criterion.{impact}", "message": "Impact: N/A is not allowed; give a value"}
    ]
    both = ada.put(
        f"{url}/scorecard", json={"values": [{"criterion_id": feasibility, "na": True, "value": 3}]}
    )
    assert both.json()["error"]["details"][0]["message"] == "give a value or N/A, not both"
    # Nothing of the refused saves was kept.
    assert ada.get(url).json()["scorecard"]["values"] == card["values"]

    # N/A where allowed completes the card; the score is Impact alone: 7.
    ada.put(
        f"{url}/scorecard",
        json={
            "values": [
                {"criterion_id": impact, "value": 7},
                {"criterion_id": feasibility, "na": True},
            ],
            "comment": "c",
        },
    )
    submitted = ada.post(f"{url}/scorecard/submit").json()
    assert (submitted["status"], submitted["score"]) == ("submitted", 7.0)

    # Still editable while open, but it must stay complete.
    partial = ada.put(f"{url}/scorecard", json={"values": [{"criterion_id": impact, "value": 8}]})
    assert partial.status_code == 422
    changed = ada.put(
        f"{url}/scorecard",
        json={
            "values": [
                {"criterion_id": impact, "value": 4},
                {"criterion_id": feasibility, "value": 10},
            ]
        },
    ).json()
    # (2·(4−1)/9 + 1·(10−1)/9) / 3 = 15/27 → 1 + 9·15/27 = 6.
    assert (changed["status"], changed["score"]) == ("submitted", pytest.approx(6.0, abs=1e-12))

    # Closed: locked, for the judge.
    w.close()
    locked = ada.put(f"{url}/scorecard", json={"values": []})
    assert locked.status_code == 409 and "closed" in locked.json()["error"]["message"]
    assert ada.get(url).json()["scorecard"]["editable"] is False

    # An organiser reopens it with a reason; the judge edits it after the close and resubmits.
    card_id = changed["id"]
    assert w.org.post(f"/api/scorecards/{card_id}/reopen", json={}).status_code == 422
    reopened = w.org.post(f"/api/scorecards/{card_id}/reopen", json={"reason": "Typo in Impact"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "draft"
    view = ada.get(url).json()["scorecard"]
    assert (view["editable"], view["reopen_reason"]) == (True, "Typo in Impact")
    ada.put(
        f"{url}/scorecard",
        json={
            "values": [
                {"criterion_id": impact, "value": 5},
                {"criterion_id": feasibility, "value": 10},
            ]
        },
    )
    assert ada.post(f"{url}/scorecard/submit").json()["status"] == "submitted"
    assert ada.put(f"{url}/scorecard", json={"values": []}).status_code == 409
    audit = w.org.get("/api/challenges/hiv-testing/audit").json()["items"]
    assert {"scorecard.reopen", "scorecard.resubmit"} <= {e["action"] for e in audit}


def test_scoring_waits_for_the_round_to_open(app: FastAPI, mailbox) -> None:
    w = judged_round(app, mailbox, entries=1, judges=("ada",), k=1)
    with Session(app.state.engine) as session:
        round_ = session.get(Round, w.round_id)
        assert round_ is not None
        round_.opens_at = utcnow() + timedelta(days=1)
        session.add(round_)
        session.commit()
    [mine] = w.assignments_of("ada")
    assert (mine["round_state"], mine["editable"]) == ("upcoming", False)
    r = w.judges["ada"].put(f"/api/assignments/{mine['id']}/scorecard", json={"values": []})
    assert r.status_code == 409 and "opens for scoring" in r.json()["error"]["message"]


def test_only_the_assigned_judge_reaches_the_assignment(app: FastAPI, mailbox) -> None:
    w = judged_round(app, mailbox, entries=1, judges=("ada", "bo", "cy"), k=1)
    entry = w.entry_ids[0]
    pairs = w.org.get(f"/api/rounds/{w.round_id}/assignments").json()
    [pair] = [p for p in pairs if p["entry_id"] == entry]
    owner = next(n for n, i in w.judge_ids.items() if i == pair["judge_id"])
    other = next(n for n in w.judges if n != owner)
    url = f"/api/assignments/{pair['id']}"
    assert w.judges[owner].get(url).status_code == 200
    for client in (w.judges[other], w.participant, w.org):
        assert client.get(url).status_code == 404
        assert client.put(f"{url}/scorecard", json={"values": []}).status_code == 404
        assert client.post(f"{url}/scorecard/submit").status_code == 404
    # A withdrawn judge no longer reaches it either.
    w.org.patch(
        f"/api/challenges/hiv-testing/judges/{w.judge_ids[owner]}", json={"status": "withdrawn"}
    )
    assert w.judges[owner].get(url).status_code == 404


def test_a_recorded_conflict_takes_the_entry_and_its_score_away(app: FastAPI, mailbox) -> None:
    w = judged_round(app, mailbox, entries=1, judges=("ada", "bo", "cy"), k=2)
    [entry] = w.entry_ids
    pairs = w.org.get(f"/api/rounds/{w.round_id}/assignments").json()
    name = next(n for n, i in w.judge_ids.items() if i == pairs[0]["judge_id"])
    assignment_id = w.score(name, entry, 9, 9)
    recorded = w.org.post(
        "/api/challenges/hiv-testing/conflicts",
        json={"judge_id": w.judge_ids[name], "entry_id": entry, "reason": "Same NGO"},
    )
    assert recorded.status_code == 201, recorded.text
    # Gone for the judge everywhere, and their score no longer counts; another judge has it.
    client = w.judges[name]
    assert client.get(f"/api/assignments/{assignment_id}").status_code == 404
    assert w.assignments_of(name) == []
    ranking = w.org.get(f"/api/rounds/{w.round_id}/ranking").json()
    assert ranking["entries"][0]["n"] == 0
    now_on = {p["judge_id"] for p in w.org.get(f"/api/rounds/{w.round_id}/assignments").json()}
    assert len(now_on) == 2 and w.judge_ids[name] not in now_on


def test_a_withdrawn_judge_hands_over_unscored_entries_and_keeps_submitted_ones(
    app: FastAPI, mailbox
) -> None:
    w = judged_round(app, mailbox, entries=2, judges=("ada", "bo", "cy"), k=1, assign=False)
    # Ada alone on the panel at first, so she gets both entries.
    for name in ("bo", "cy"):
        w.org.patch(
            f"/api/challenges/hiv-testing/judges/{w.judge_ids[name]}", json={"status": "withdrawn"}
        )
    w.org.post(f"/api/rounds/{w.round_id}/assign", json={})
    for name in ("bo", "cy"):
        w.org.patch(
            f"/api/challenges/hiv-testing/judges/{w.judge_ids[name]}", json={"status": "active"}
        )
    e1, e2 = w.entry_ids
    w.score("ada", e1, 8, 8)
    draft = w.assignment("ada", e2)
    w.judges["ada"].put(f"/api/assignments/{draft}/scorecard", json={"values": []})

    w.org.patch(
        f"/api/challenges/hiv-testing/judges/{w.judge_ids['ada']}", json={"status": "withdrawn"}
    )
    pairs = {
        (p["entry_id"], p["judge_name"], p["scorecard_status"])
        for p in w.org.get(f"/api/rounds/{w.round_id}/assignments").json()
    }
    assert (e1, "Ada", "submitted") in pairs
    assert [p for p in pairs if p[0] == e2 and p[1] == "Ada"] == []
    assert len([p for p in pairs if p[0] == e2]) == 1
