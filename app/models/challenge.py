"""Challenges (calls) and the per-challenge roles people hold in them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, String, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class Challenge(SQLModel, table=True):
    """One contest. Its content, timeline, form and rounds join it as those features land."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(80), nullable=False, unique=True))
    title: str = Field(max_length=200)
    created_by_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChallengeRole(enum.StrEnum):
    organiser = "organiser"
    screener = "screener"
    judge = "judge"


class Membership(SQLModel, table=True):
    """A person's role in one challenge; a person may hold several roles in it."""

    __table_args__ = (UniqueConstraint("challenge_id", "user_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    role: ChallengeRole = Field(
        sa_column=Column(
            SAEnum(ChallengeRole, name="challenge_role", native_enum=False, length=20),
            nullable=False,
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
