"""Rounds and criteria: declared with their rules, checked, frozen once the round opens."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from app.core.db import utcnow
from tests.factories import anonymous, client_for, make_challenge

ROUND = {
    "name": "Expert review",
    "judges_per_entry": 3,
    "blind": True,
    "normalise": True,
    "advancement": {"kind": "top_n", "n": 10},
    "disagreement_share": 0.3,
    "criteria": [
        {
            "name": "Impact",
            "description": "How many young people it reaches",
            "weight": 2,
            "preset": "1-10",
        },
        {"name": "Feasibility", "preset": "0-2", "allow_na": True},
    ],
}


def test_declare_a_round_with_preset_scales(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    r = org.post("/api/challenges/hiv-testing/rounds", json=ROUND)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["position"], body["frozen"], body["advancement"]) == (
        1,
        False,
        {"kind": "top_n", "n": 10},
    )
    assert [
        (c["name"], c["weight"], c["scale_min"], c["scale_max"], c["allow_na"])
        for c in body["criteria"]
    ] == [("Impact", 2.0, 1.0, 10.0, False), ("Feasibility", 1.0, 0.0, 2.0, True)]
    impact = body["criteria"][0]["id"]
    tie = org.patch(
        f"/api/rounds/{body['id']}",
        json={
            "tie_breaks": [
                {"kind": "criterion", "criterion_id": impact},
                {"kind": "scorecards"},
                {"kind": "organiser"},
            ]
        },
    )
    assert tie.json()["tie_breaks"] == [
        {"kind": "criterion", "criterion_id": impact},
        {"kind": "scorecards"},
        {"kind": "organiser"},
    ]
    second = org.post("/api/challenges/hiv-testing/rounds", json={"name": "Pitch"}).json()
    assert (second["position"], second["advancement"]["kind"]) == (2, "manual")
    listed = org.get("/api/challenges/hiv-testing/rounds").json()
    assert [r["name"] for r in listed] == ["Expert review", "Pitch"]
    presets = anonymous(app).get("/api/scale-presets").json()
    assert [(p["key"], p["scale_min"], p["scale_max"]) for p in presets] == [
        ("1-10", 1, 10),
        ("0-2", 0, 2),
        ("likert-3", 1, 3),
    ]


def test_round_rules_are_checked(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    cases = [
        ({**ROUND, "advancement": {"kind": "top_n"}}, "advancement"),
        ({**ROUND, "disagreement_share": 1.5}, "disagreement_share"),
        (
            {
                **ROUND,
                "criteria": [{"name": "Odd", "scale_min": 1, "scale_max": 10, "scale_step": 4}],
            },
            "criteria.0.scale_step",
        ),
        (
            {**ROUND, "criteria": [{"name": "Upside down", "scale_min": 5, "scale_max": 1}]},
            "criteria.0.scale_max",
        ),
        (
            {**ROUND, "tie_breaks": [{"kind": "criterion", "criterion_id": 999}]},
            "tie_breaks.0.criterion_id",
        ),
        (
            {
                **ROUND,
                "opens_at": utcnow().isoformat(),
                "closes_at": (utcnow() - timedelta(days=1)).isoformat(),
            },
            "closes_at",
        ),
    ]
    for body, field in cases:
        r = org.post("/api/challenges/hiv-testing/rounds", json=body)
        assert r.status_code == 422, body
        assert r.json()["error"]["field"] == field, r.json()
    assert org.get("/api/challenges/hiv-testing/rounds").json() == []  # nothing half-stored


def test_a_round_freezes_when_it_opens(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    now = utcnow()
    body = org.post(
        "/api/challenges/hiv-testing/rounds",
        json={
            **ROUND,
            "opens_at": (now - timedelta(minutes=1)).isoformat(),
            "closes_at": (now + timedelta(days=14)).isoformat(),
        },
    ).json()
    assert body["frozen"] is True
    refused = org.patch(f"/api/rounds/{body['id']}", json={"judges_per_entry": 4})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "round_frozen"
    criterion = body["criteria"][0]["id"]
    assert (
        org.patch(f"/api/rounds/{body['id']}/criteria/{criterion}", json={"weight": 3}).status_code
        == 409
    )
    assert org.delete(f"/api/rounds/{body['id']}").json()["error"]["code"] == "round_frozen"
    ok = org.patch(
        f"/api/rounds/{body['id']}", json={"judges_per_entry": 4, "reason": "Two judges withdrew"}
    )
    assert ok.status_code == 200 and ok.json()["judges_per_entry"] == 4
    added = org.post(
        f"/api/rounds/{body['id']}/criteria",
        params={"reason": "Committee asked for it"},
        json={"name": "Equity", "preset": "likert-3"},
    )
    assert added.status_code == 201
    events = org.get("/api/challenges/hiv-testing/audit", params={"object_type": "round"}).json()[
        "items"
    ]
    assert [(e["action"], e["before"], e["reason"]) for e in events] == [
        ("round.update", {"judges_per_entry": 3}, "Two judges withdrew"),
        ("round.create", None, None),
    ]
    assert events[0]["after"] == {"judges_per_entry": 4}


def test_only_the_last_unopened_round_can_be_deleted(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    first = org.post("/api/challenges/hiv-testing/rounds", json={"name": "One"}).json()
    second = org.post("/api/challenges/hiv-testing/rounds", json={"name": "Two"}).json()
    assert org.delete(f"/api/rounds/{first['id']}").json()["error"]["code"] == "round_in_use"
    assert org.delete(f"/api/rounds/{second['id']}").status_code == 204
    assert org.delete(f"/api/rounds/{first['id']}").status_code == 204
