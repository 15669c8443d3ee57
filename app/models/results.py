"""Results: the declared ranking rule, awards, and each publication of the results."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.models.challenge import _enum


class ResultsRules(SQLModel, table=True):
    """final = w_jury · jury score (0–1) + w_public · vote share (0–1), declared before the
    voting or the last round opens."""

    __tablename__ = "results_rules"

    challenge_id: int = Field(foreign_key="challenge.id", primary_key=True, ondelete="CASCADE")
    # The scoring round whose scores are the jury score; null: the last scoring round.
    jury_round_id: int | None = Field(default=None, foreign_key="round.id", ondelete="SET NULL")
    w_jury: float = Field(default=1.0)
    w_public: float = Field(default=0.0)
    per_category: bool = Field(default=False)
    peoples_choice: bool = Field(default=True)  # a separate people's choice award
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AwardTier(enum.StrEnum):
    winner = "winner"
    second = "second"
    third = "third"
    honourable_mention = "honourable_mention"
    peoples_choice = "peoples_choice"
    finalist = "finalist"
    custom = "custom"


class Award(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("challenge_id", "entry_id", "tier", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    tier: AwardTier = Field(sa_column=Column(_enum(AwardTier, "award_tier"), nullable=False))
    label: str = Field(default="", max_length=200)  # the name of a custom tier
    category: str | None = Field(default=None, max_length=200)
    # Set when the award departs from the ranking's proposal: why (audited).
    override_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Publication(SQLModel, table=True):
    """One publication of the results: the exact table published and its SHA-256."""

    __table_args__ = (UniqueConstraint("challenge_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    version: int
    table_csv: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    methods: str = Field(sa_column=Column(Text, nullable=False))
    # What changed against the version before, in words (empty for the first).
    changes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    published_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_reason: str | None = Field(default=None, max_length=500)
