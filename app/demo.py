"""Demo data for `make run`: a few accounts and a challenge, loaded idempotently."""

from __future__ import annotations

from sqlmodel import Session, select

from app.core.config import Settings
from app.core.db import make_engine, utcnow
from app.core.security import PasswordHasher
from app.models import Challenge, ChallengeRole, Membership, User

DEMO_PASSWORD = "opencall-demo"  # noqa: S105 (demo accounts, never in production)

DEMO_USERS = [
    ("admin@demo.opencall.test", "Ada Admin", True),
    ("organiser@demo.opencall.test", "Oluwaseun Organiser", False),
    ("judge@demo.opencall.test", "Joy Judge", False),
    ("entrant@demo.opencall.test", "Esi Entrant", False),
]

DEMO_CHALLENGE = ("hiv-testing-youth", "How might we make HIV testing easier for young people?")


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
        slug, title = DEMO_CHALLENGE
        challenge = session.exec(select(Challenge).where(Challenge.slug == slug)).first()
        if challenge is None:
            challenge = Challenge(slug=slug, title=title, created_by_id=users[DEMO_USERS[1][0]].id)
            session.add(challenge)
            session.flush()
            created.append(f"challenge {slug}")
        for email, role in (
            (DEMO_USERS[1][0], ChallengeRole.organiser),
            (DEMO_USERS[2][0], ChallengeRole.judge),
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
