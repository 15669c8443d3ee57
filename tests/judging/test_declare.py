"""A judge lists their assignments and declares a conflict: the entry moves at once."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.conftest import deliver_mail
from tests.factories import client_for, make_challenge, submitted_entry


def test_declared_conflict_moves_the_entry(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, max_entries_per_participant=50)
    p = client_for(app, "p@example.org")
    entry_ids = [submitted_entry(p)["id"] for _ in range(2)]
    org.post(
        "/api/challenges/hiv-testing/screening",
        json={"entry_ids": entry_ids, "eligibility": "eligible"},
    )
    judges = {}
    for name in ("ada", "bo", "cy"):
        judges[name] = client_for(app, f"{name}@uni-{name}.edu", name=name.title())
        org.post(
            "/api/challenges/hiv-testing/judges",
            json={"email": f"{name}@uni-{name}.edu", "display_name": name.title()},
        )
    deliver_mail(app)
    for name, client in judges.items():
        text = (
            mailbox.to(f"{name}@uni-{name}.edu")[-1]
            .get_body(preferencelist=("plain",))
            .get_content()
        )
        token = re.search(r"token=(\S+)", text).group(1)
        assert (
            client.post("/api/judge-invitations/accept", json={"token": token}).status_code == 200
        )
    round_id = org.post(
        "/api/challenges/hiv-testing/rounds", json={"name": "Review", "judges_per_entry": 2}
    ).json()["id"]
    assert org.post(f"/api/rounds/{round_id}/assign", json={"seed": 3}).json()["shortfalls"] == []

    mine = {name: c.get("/api/me/assignments").json() for name, c in judges.items()}
    assert sum(len(v) for v in mine.values()) == 4
    busiest = max(mine, key=lambda n: len(mine[n]))
    target = mine[busiest][0]
    assert (target["challenge_slug"], target["round_name"], target["scorecard_status"]) == (
        "hiv-testing",
        "Review",
        None,
    )
    entry_of = {a["id"]: a["entry_reference"] for a in mine[busiest]}

    # Nobody else can declare on this assignment, or even see it.
    assert (
        judges[next(n for n in judges if n != busiest)]
        .post(f"/api/assignments/{target['id']}/conflict", json={"reason": "Not mine"})
        .status_code
        == 404
    )
    declared = judges[busiest].post(
        f"/api/assignments/{target['id']}/conflict", json={"reason": "I supervised the team leader"}
    )
    assert declared.status_code == 201 and declared.json()["reassigned"] is True
    after = judges[busiest].get("/api/me/assignments").json()
    assert entry_of[target["id"]] not in [a["entry_reference"] for a in after]
    pairs = org.get(f"/api/rounds/{round_id}/assignments").json()
    moved = [a for a in pairs if a["entry_reference"] == entry_of[target["id"]]]
    assert len(moved) == 2 and busiest.title() not in [a["judge_name"] for a in moved]
    register = org.get("/api/challenges/hiv-testing/conflicts").json()
    assert [(c["judge_name"], c["source"], c["reason"]) for c in register] == [
        (busiest.title(), "declared", "I supervised the team leader")
    ]
