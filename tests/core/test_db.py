"""The database layer: UTC timestamps, SQLite pragmas, constraint names, memberships."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, select

from app.core.db import utcnow
from app.models import Challenge, ChallengeRole, Membership, User


def _user(session: Session, email: str = "db@example.org") -> User:
    user = User(email=email, display_name="D", password_hash="x")
    session.add(user)
    session.commit()
    return user


def test_timestamps_come_back_aware_utc(app: FastAPI) -> None:
    lagos = timezone(timedelta(hours=1))
    with Session(app.state.engine) as session:
        user = _user(session)
        user.email_verified_at = datetime(2026, 3, 1, 9, 30, tzinfo=lagos)
        session.add(user)
        session.commit()
    with Session(app.state.engine) as session:
        loaded = session.exec(select(User)).one()
        assert loaded.email_verified_at == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
        assert loaded.email_verified_at.tzinfo == UTC
        assert loaded.created_at.tzinfo == UTC


def test_naive_timestamps_are_refused(app: FastAPI) -> None:
    with Session(app.state.engine) as session:
        user = User(
            email="naive@example.org",
            display_name="N",
            password_hash="x",
            created_at=datetime(2026, 1, 1),
        )
        session.add(user)
        with pytest.raises(StatementError, match="naive datetime"):
            session.commit()


def test_sqlite_pragmas_or_postgres_pool(app: FastAPI) -> None:
    engine = app.state.engine
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
        else:
            assert engine.dialect.driver == "psycopg"
            assert engine.pool.size() == app.state.settings.db_pool_size
            assert engine.pool._pre_ping is True


def test_constraints_have_stable_names(app: FastAPI) -> None:
    inspector = inspect(app.state.engine)
    uniques = {u["name"] for u in inspector.get_unique_constraints("membership")}
    assert "uq_membership_challenge_id_user_id_role" in uniques
    fks = {f["name"] for f in inspector.get_foreign_keys("user_session")}
    assert fks == {"fk_user_session_user_id_user"}


def test_membership_role_is_unique_per_person_and_challenge(app: FastAPI) -> None:
    with Session(app.state.engine) as session:
        user = _user(session)
        challenge = Challenge(slug="c1", title="C1", created_by_id=user.id)
        session.add(challenge)
        session.commit()
        assert challenge.id is not None and user.id is not None
        session.add(
            Membership(challenge_id=challenge.id, user_id=user.id, role=ChallengeRole.organiser)
        )
        session.add(
            Membership(challenge_id=challenge.id, user_id=user.id, role=ChallengeRole.judge)
        )
        session.commit()
        session.add(
            Membership(challenge_id=challenge.id, user_id=user.id, role=ChallengeRole.judge)
        )
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        roles = session.exec(select(Membership.role).order_by(Membership.role)).all()
        assert roles == [ChallengeRole.judge, ChallengeRole.organiser]


def test_foreign_keys_are_enforced(app: FastAPI) -> None:
    with Session(app.state.engine) as session:
        session.add(Membership(challenge_id=999, user_id=999, role=ChallengeRole.judge))
        with pytest.raises(IntegrityError):
            session.commit()


def test_utcnow_is_aware() -> None:
    assert utcnow().tzinfo == UTC


def test_id_lists_go_in_parts_small_enough_for_every_database() -> None:
    """psycopg refuses more than 65,535 parameters and SQLite 32,766 in one statement."""
    from app.core.db import IN_LIST_SIZE, in_parts

    ids = range(2 * IN_LIST_SIZE + 7)
    parts = list(in_parts(ids))
    assert [len(part) for part in parts] == [IN_LIST_SIZE, IN_LIST_SIZE, 7]
    assert [i for part in parts for i in part] == list(ids)
    assert IN_LIST_SIZE < 32_766 and list(in_parts([])) == []
