"""Demo data for `make run`: a few accounts and an open call with a form, loaded idempotently."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from app.challenges.content import render_markdown
from app.core.config import Settings
from app.core.db import make_engine, utcnow
from app.core.security import PasswordHasher
from app.models import (
    Challenge,
    ChallengeRole,
    CommitteeMember,
    FieldType,
    FormField,
    Membership,
    User,
)

DEMO_PASSWORD = "opencall-demo"  # noqa: S105 (demo accounts, never in production)

DEMO_USERS = [
    ("admin@demo.example.org", "Ada Admin", True),
    ("organiser@demo.example.org", "Oluwaseun Organiser", False),
    ("judge@demo.example.org", "Joy Judge", False),
    ("entrant@demo.example.org", "Esi Entrant", False),
    ("screener@demo.example.org", "Sani Screener", False),
]

DEMO_SLUG = "hiv-testing-youth"
DEMO_DESCRIPTION = """\
Young people in Nigeria are less likely to test for HIV than any other age group. We are
looking for **creative, practical ideas** that make testing easier, more private and more
welcoming for people aged 14–24.

Entries may be a written idea, a poster or a short video. Finalists join a three-day
designathon and the best ideas are piloted in youth clinics.
"""

DEMO_FORM: list[tuple[FieldType, str, str, bool, dict[str, Any], dict[str, bool]]] = [
    (FieldType.long_text, "idea", "Describe your idea", True, {"max_words": 500}, {}),
    (FieldType.country, "country", "Country where the idea was conceived", True, {}, {}),
    (
        FieldType.file,
        "poster",
        "Poster or picture (optional)",
        False,
        {"accept": ["pdf", "image"], "max_size_mb": 5, "max_files": 1},
        {},
    ),
    (
        FieldType.checkbox,
        "consent",
        "I agree that my entry may be shared openly under its licence",
        True,
        {},
        {},
    ),
    (
        FieldType.choice,
        "gender",
        "Gender (optional)",
        False,
        {"choices": ["Woman", "Man", "Non-binary", "Prefer not to say"]},
        {"demographic": True, "show_to_judges": False},
    ),
    (
        FieldType.choice,
        "age_band",
        "Age band (optional)",
        False,
        {"choices": ["Under 18", "18–24", "25–34", "35 or older"]},
        {"demographic": True, "show_to_judges": False},
    ),
]

DEMO_COMMITTEE = [
    ("Chiamaka Obi", "Youth advisory board", "Chair, community member", True),
    ("Dr. Ibrahim Musa", "Lagos University Teaching Hospital", "Clinician", True),
    ("Funmi Adeyemi", "Network of People Living with HIV", "Community representative", True),
    ("Grace Health Foundation", "Funder", "Observer", False),
]


def _challenge(session: Session, organiser: User, created: list[str]) -> Challenge:
    challenge = session.exec(select(Challenge).where(Challenge.slug == DEMO_SLUG)).first()
    if challenge is not None:
        return challenge
    now = utcnow()
    challenge = Challenge(
        slug=DEMO_SLUG,
        title="Make HIV testing easier for young people",
        prompt="How might we make HIV testing easier and more welcoming for young people?",
        description_md=DEMO_DESCRIPTION,
        description_html=render_markdown(DEMO_DESCRIPTION),
        eligibility_text="Open to people aged 14 to 35 living in Nigeria. Teams of up to 5.",
        categories=["Community outreach", "Clinic services", "Digital tools"],
        languages=["en", "yo", "ha", "ig"],
        formats_text="Text up to 500 words; an optional poster or picture (PDF or image, up to 5 MB).",
        prizes_text="Three prizes of ₦500,000 and a place at the designathon for ten finalists.",
        recognition_text="Finalists are named in the report and invited to co-author it.",
        consent_text="Entrants under 18 need the consent of a parent or guardian.",
        contact_email="organiser@demo.example.org",
        timezone="Africa/Lagos",
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=60),
        grace_minutes=15,
        published_at=now - timedelta(days=7),
        reference_prefix="HIV",
        max_team_size=5,
        eligibility_rules=[
            {
                "kind": "country_in",
                "field": "country",
                "countries": ["NG"],
                "enforce": "flag",
                "label": "The idea was conceived in Nigeria",
            }
        ],
        screening_reasons=["Not from Nigeria", "Off topic", "Incomplete entry", "Duplicate"],
        created_by_id=organiser.id,
    )
    session.add(challenge)
    session.flush()
    assert challenge.id is not None
    for position, (kind, key, label, required, config, extra) in enumerate(DEMO_FORM):
        session.add(
            FormField(
                challenge_id=challenge.id,
                key=key,
                type=kind,
                label=label,
                required=required,
                config=dict(config),
                position=position,
                demographic=extra.get("demographic", False),
                show_to_judges=extra.get("show_to_judges", True),
            )
        )
    for position, (name, affiliation, role, voting) in enumerate(DEMO_COMMITTEE):
        session.add(
            CommitteeMember(
                challenge_id=challenge.id,
                name=name,
                affiliation=affiliation,
                role=role,
                voting=voting,
                position=position,
            )
        )
    created.append(f"challenge {DEMO_SLUG}")
    return challenge


def seed(settings: Settings) -> list[str]:
    """Add whatever part of the demo data is missing; return what was added."""
    created: list[str] = []
    hasher = PasswordHasher(settings)
    engine = make_engine(settings)
    with Session(engine) as session:
        users: dict[str, User] = {}
        for email, name, is_admin in DEMO_USERS:
            user = session.exec(select(User).where(User.email == email)).first()
            if user is None:
                user = User(
                    email=email,
                    display_name=name,
                    password_hash=hasher.hash(DEMO_PASSWORD),
                    is_admin=is_admin,
                    email_verified_at=utcnow(),
                )
                session.add(user)
                session.flush()
                created.append(email)
            users[email] = user
        challenge = _challenge(session, users["organiser@demo.example.org"], created)
        for email, role in (
            ("organiser@demo.example.org", ChallengeRole.organiser),
            ("screener@demo.example.org", ChallengeRole.screener),
            ("judge@demo.example.org", ChallengeRole.judge),
        ):
            user_id = users[email].id
            exists = session.exec(
                select(Membership.id).where(
                    Membership.challenge_id == challenge.id,
                    Membership.user_id == user_id,
                    Membership.role == role,
                )
            ).first()
            if exists is None:
                assert challenge.id is not None and user_id is not None
                session.add(Membership(challenge_id=challenge.id, user_id=user_id, role=role))
                created.append(f"{role.value} {email}")
        session.commit()
    engine.dispose()
    return created
