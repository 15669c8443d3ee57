"""A judged round built through the API: an organiser, a call with eligible entries, a panel
of judges who accepted their invitations, an open round with criteria, and its assignment."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.db import utcnow
from app.models import Round
from tests.conftest import deliver_mail
from tests.factories import client_for, make_challenge, submitted_entry

SLUG = "hiv-testing"
CRITERIA = [
    {"name": "Impact", "weight": 2, "preset": "1-10"},
    {"name": "Feasibility", "weight": 1, "preset": "1-10", "allow_na": True},
]


@dataclass
class JudgedRound:
    app: FastAPI
    org: TestClient
    participant: TestClient
    round_id: int
    entry_ids: list[int]
    judges: dict[str, TestClient]
    judge_ids: dict[str, int]
    criteria: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)

    def assignments_of(self, name: str) -> list[dict[str, Any]]:
        return [
            a
            for a in self.judges[name].get("/api/me/assignments").json()
            if a["round_id"] == self.round_id
        ]

    def assignment(self, name: str, entry_id: int) -> int:
        pairs = self.org.get(f"/api/rounds/{self.round_id}/assignments").json()
        return next(
            p["id"]
            for p in pairs
            if p["entry_id"] == entry_id and p["judge_id"] == self.judge_ids[name]
        )

    def score(self, name: str, entry_id: int, *values: float | None, feedback: str = "") -> int:
        """Save and submit `name`'s scorecard for the entry (None for N/A)."""
        assignment_id = self.assignment(name, entry_id)
        body = {
            "values": [
                {"criterion_id": c["id"], "na": True}
                if v is None
                else {"criterion_id": c["id"], "value": v}
                for c, v in zip(self.criteria, values, strict=True)
            ],
            "feedback": feedback,
        }
        client = self.judges[name]
        saved = client.put(f"/api/assignments/{assignment_id}/scorecard", json=body)
        assert saved.status_code == 200, saved.text
        submitted = client.post(f"/api/assignments/{assignment_id}/scorecard/submit")
        assert submitted.status_code == 200, submitted.text
        return assignment_id

    def close(self) -> None:
        """End the round's window (as time passing would)."""
        with Session(self.app.state.engine) as session:
            round_ = session.get(Round, self.round_id)
            assert round_ is not None
            round_.closes_at = utcnow() - timedelta(seconds=1)
            session.add(round_)
            session.commit()


def accept_judges(
    app: FastAPI, org: TestClient, mailbox: Any, names: list[str], slug: str = SLUG
) -> tuple[dict[str, TestClient], dict[str, int]]:
    judges: dict[str, TestClient] = {}
    for name in names:
        email = f"{name}@uni-{name}.edu"
        judges[name] = client_for(app, email, name=name.title())
        r = org.post(
            f"/api/challenges/{slug}/judges", json={"email": email, "display_name": name.title()}
        )
        assert r.status_code == 201, r.text
    deliver_mail(app)
    for name, client in judges.items():
        text = (
            mailbox.to(f"{name}@uni-{name}.edu")[-1]
            .get_body(preferencelist=("plain",))
            .get_content()
        )
        token = re.search(r"token=(\S+)", text).group(1)  # type: ignore[union-attr]
        r = client.post("/api/judge-invitations/accept", json={"token": token})
        assert r.status_code == 200, r.text
    ids = {
        j["display_name"].lower(): j["id"] for j in org.get(f"/api/challenges/{slug}/judges").json()
    }
    return judges, ids


def judged_round(
    app: FastAPI,
    mailbox: Any,
    *,
    entries: int = 2,
    judges: tuple[str, ...] = ("ada", "bo"),
    k: int = 2,
    criteria: list[dict[str, Any]] | None = None,
    assign: bool = True,
    **round_fields: Any,
) -> JudgedRound:
    org = client_for(app, "org@example.org", name="Olu Organiser")
    make_challenge(org, max_entries_per_participant=50)
    participant = client_for(app, "p@example.org", name="Pat Participant")
    entry_ids = [submitted_entry(participant)["id"] for _ in range(entries)]
    r = org.post(
        f"/api/challenges/{SLUG}/screening",
        json={"entry_ids": entry_ids, "eligibility": "eligible"},
    )
    assert r.status_code == 200, r.text
    clients, ids = accept_judges(app, org, mailbox, list(judges))
    now = utcnow()
    body = {
        "name": "Round 1",
        "judges_per_entry": k,
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=7)).isoformat(),
        "criteria": criteria if criteria is not None else CRITERIA,
        **round_fields,
    }
    created = org.post(f"/api/challenges/{SLUG}/rounds", json=body)
    assert created.status_code == 201, created.text
    round_ = created.json()
    if assign:
        report = org.post(f"/api/rounds/{round_['id']}/assign", json={"seed": 1})
        assert report.status_code == 200, report.text
    return JudgedRound(
        app=app,
        org=org,
        participant=participant,
        round_id=round_["id"],
        entry_ids=entry_ids,
        judges=clients,
        judge_ids=ids,
        criteria=round_["criteria"],
    )
