"""Builders for tests: verified users with roles, published challenges with a form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.db import utcnow
from app.models import User
from tests.conftest import BASE_URL, PASSWORD


def client_for(
    app: FastAPI, email: str, *, name: str | None = None, verified: bool = True, admin: bool = False
) -> TestClient:
    """A logged-in browser for a new account."""
    c = TestClient(app, base_url=BASE_URL, headers={"Origin": BASE_URL})
    response = c.post(
        "/api/auth/register",
        json={"email": email, "display_name": name or email.split("@")[0], "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    if verified or admin:
        with Session(app.state.engine) as session:
            user = session.exec(select(User).where(User.email == email)).one()
            user.email_verified_at = utcnow() if verified else None
            user.is_admin = admin
            session.add(user)
            session.commit()
    return c


def anonymous(app: FastAPI) -> TestClient:
    return TestClient(app, base_url=BASE_URL, headers={"Origin": BASE_URL})


FORM = [
    {
        "key": "idea",
        "type": "long_text",
        "label": "Your idea",
        "required": True,
        "config": {"max_words": 50},
    },
    {
        "key": "country",
        "type": "country",
        "label": "Country where the idea was conceived",
        "required": True,
    },
    {
        "key": "budget",
        "type": "money",
        "label": "Budget",
        "config": {"currency": "GBP", "max_amount": 50000},
    },
    {"key": "consent", "type": "checkbox", "label": "I consent to sharing", "required": True},
    {
        "key": "gender",
        "type": "choice",
        "label": "Gender",
        "demographic": True,
        "show_to_judges": False,
        "config": {"choices": ["Woman", "Man", "Non-binary", "Prefer not to say"]},
    },
    {
        "key": "poster",
        "type": "file",
        "label": "Poster",
        "config": {"accept": ["pdf", "image"], "max_size_mb": 1, "max_files": 2},
    },
]


def make_challenge(
    organiser: TestClient,
    slug: str = "hiv-testing",
    *,
    publish: bool = True,
    opens_in: timedelta = timedelta(days=-1),
    closes_in: timedelta = timedelta(days=30),
    form: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    now = utcnow()
    body = {
        "title": "HIV testing for young people",
        "slug": slug,
        "prompt": "How might we make HIV testing easier for young people?",
        "opens_at": (now + opens_in).isoformat(),
        "closes_at": (now + closes_in).isoformat(),
        "timezone": "Africa/Lagos",
        "categories": ["Community", "Clinic"],
        "max_entries_per_participant": 2,
        "max_team_size": 3,
        "reference_prefix": "HIV",
        "screening_reasons": ["Outside the eligible countries", "Incomplete"],
        **fields,
    }
    response = organiser.post("/api/challenges", json=body)
    assert response.status_code == 201, response.text
    for field in FORM if form is None else form:
        r = organiser.post(f"/api/challenges/{slug}/form/fields", json=field)
        assert r.status_code == 201, r.text
    if publish:
        r = organiser.post(f"/api/challenges/{slug}/publish")
        assert r.status_code == 200, r.text
        return r.json()
    return organiser.get(f"/api/challenges/{slug}").json()


COMPLETE = {
    "title": "Self-test kits in youth clubs",
    "summary": "Free self-test kits handed out by peers.",
    "category": "Community",
    "answers": {"idea": "Peers hand out kits.", "country": "NG", "consent": True},
    "licence_accepted": True,
}


def start_entry(
    participant: TestClient, slug: str = "hiv-testing", body: dict[str, Any] | None = None
) -> dict[str, Any]:
    r = participant.post(f"/api/challenges/{slug}/entries", json={"title": ""})
    assert r.status_code == 201, r.text
    entry = r.json()
    if body is not None:
        r = participant.patch(f"/api/entries/{entry['id']}", json=body)
        assert r.status_code == 200, r.text
        entry = r.json()
    return entry


def submitted_entry(participant: TestClient, slug: str = "hiv-testing") -> dict[str, Any]:
    entry = start_entry(participant, slug, COMPLETE)
    r = participant.post(f"/api/entries/{entry['id']}/submit")
    assert r.status_code == 200, r.text
    return r.json()


def login(app: FastAPI, email: str) -> TestClient:
    """A new browser logged in to an existing account."""
    c = TestClient(app, base_url=BASE_URL, headers={"Origin": BASE_URL})
    response = c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return c
