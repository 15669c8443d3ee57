"""The participants, results, awards and audit exports, against a contest worked by hand."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi import FastAPI

from app.exports import people
from app.results.service import TABLE_COLUMNS
from tests.factories import COMPLETE, client_for, make_challenge, start_entry
from tests.results.test_results import _contest

SLUG = "hiv-testing"


def _table(client: Any, name: str, columns: tuple[people.Column, ...]) -> list[dict[str, str]]:
    r = client.get(f"/api/challenges/{SLUG}/exports/{name}.csv")
    assert r.status_code == 200, r.text
    reader = csv.DictReader(io.StringIO(r.content.decode(), newline=""))
    assert reader.fieldnames == [c.name for c in columns]
    return list(reader)


def test_participants_one_row_per_person_per_entry(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    ama = client_for(app, "ama@example.org", name="Ama Mensah")
    team = [{"name": "Kofi, Jr.", "email": "kofi@example.org"}, {"name": "Esi 🩺"}]
    entry = start_entry(ama, body={**COMPLETE, "team": team})
    solo = start_entry(ama, body=COMPLETE)

    rows = _table(org, "participants", people.PARTICIPANTS)

    assert [
        (int(r["entry_id"]), r["role"], r["position"], r["name"], r["email"]) for r in rows
    ] == [
        (entry["id"], "entrant", "0", "Ama Mensah", "ama@example.org"),
        (entry["id"], "team_member", "1", "Kofi, Jr.", "kofi@example.org"),
        (entry["id"], "team_member", "2", "Esi 🩺", ""),
        (solo["id"], "entrant", "0", "Ama Mensah", "ama@example.org"),
    ]
    assert rows[0]["user_id"] != "" and rows[1]["user_id"] == ""


def test_results_awards_and_audit(app: FastAPI, mailbox: Any) -> None:
    w = _contest(app, mailbox)
    e1, _e2, _e3, e4 = w.entry_ids
    r = w.org.patch(
        f"/api/challenges/{SLUG}/results/rules",
        json={"w_jury": 1, "w_public": 0, "reason": "Jury decides; people's choice apart"},
    )
    assert r.status_code == 200, r.text
    assert w.org.post(f"/api/challenges/{SLUG}/awards/propose").status_code == 200

    results = _table(w.org, "results", people.RESULTS)
    assert [c.name for c in people.RESULTS] == list(TABLE_COLUMNS)
    first = results[0]
    assert (first["position"], first["awards"], first["votes"]) == ("1", "Winner", "1")
    assert float(first["jury_score"]) == pytest.approx(8 / 9)
    assert float(first["final_score"]) == pytest.approx(8 / 9)
    assert float(first["vote_share"]) == pytest.approx(0.25)

    awards = _table(w.org, "awards", people.AWARDS)
    assert {(int(a["entry_id"]), a["tier"]) for a in awards} == {
        (e1, "winner"),
        (w.entry_ids[1], "second"),
        (w.entry_ids[2], "third"),
        (e4, "peoples_choice"),
        (e4, "finalist"),
    }
    assert [int(a["award_id"]) for a in awards] == sorted(int(a["award_id"]) for a in awards)

    audit = _table(w.org, "audit", people.AUDIT)
    ids = [int(a["event_id"]) for a in audit]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    voting = next(a for a in audit if a["action"] == "voting.rules")
    assert voting["actor_name"] == "Olu Organiser"
    assert json.loads(voting["after"]) == {"enabled": True}
    assert voting["created_at"].endswith("Z")
    assert any(a["action"] == "awards.propose" for a in audit)
