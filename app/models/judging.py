"""Judging: rounds and their criteria, the judges' panel, conflicts of interest,
assignments, scorecards and the entries each round takes and advances."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.models.challenge import _enum


class Round(SQLModel, table=True):
    """A scoring round. Its rules are declared before it opens and frozen from then on."""

    __table_args__ = (UniqueConstraint("challenge_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    position: int  # 1 takes the eligible entries; each later round those advanced before it
    name: str = Field(max_length=200)
    opens_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    judges_per_entry: int = Field(default=3)
    blind: bool = Field(default=True)
    normalise: bool = Field(default=False)
    # {"kind": "top_n" | "top_n_per_category" | "threshold" | "manual", "n": int, "threshold": float}
    advancement: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    # In order, e.g. [{"kind": "criterion", "criterion_id": 3}, {"kind": "scorecards"},
    # {"kind": "organiser"}]
    tie_breaks: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # Flag an entry when its judges' scores spread over this share of the scale.
    disagreement_share: float = Field(default=0.3)
    assignment_seed: int = Field(default=0)
    # The options of the last automatic assignment, reused when a declared conflict or a
    # withdrawn judge makes the round reassign by itself.
    required_tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    match_language: bool = Field(default=False)
    advanced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Whether entrants may read the judges' feedback (set when advancement is applied).
    feedback_released: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Criterion(SQLModel, table=True):
    """What judges score, on its own scale; values are put on 0–1 before weighting."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    weight: float = Field(default=1.0)
    scale_min: float = Field(default=1.0)
    scale_max: float = Field(default=10.0)
    scale_step: float = Field(default=1.0)
    allow_na: bool = Field(default=False)


class JudgeStatus(enum.StrEnum):
    invited = "invited"
    active = "active"
    withdrawn = "withdrawn"


class Judge(SQLModel, table=True):
    """A member of a challenge's judging panel (invited by e-mail, linked on acceptance)."""

    __table_args__ = (UniqueConstraint("challenge_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    email: str = Field(max_length=320)
    display_name: str = Field(max_length=200)
    affiliation: str = Field(default="", max_length=300)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    max_load: int | None = Field(default=None)
    status: JudgeStatus = Field(
        default=JudgeStatus.invited,
        sa_column=Column(_enum(JudgeStatus, "judge_status"), nullable=False),
    )
    invite_token_hash: str | None = Field(
        default=None, sa_column=Column(String(64), nullable=True, unique=True)
    )
    invited_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConflictSource(enum.StrEnum):
    declared = "declared"
    detected = "detected"
    organiser = "organiser"


class Conflict(SQLModel, table=True):
    """A conflict of interest: the judge never sees, scores or is shown the entry."""

    __table_args__ = (UniqueConstraint("judge_id", "entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    judge_id: int = Field(foreign_key="judge.id", index=True, ondelete="CASCADE")
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    source: ConflictSource = Field(
        sa_column=Column(_enum(ConflictSource, "conflict_source"), nullable=False)
    )
    reason: str = Field(max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoundEntry(SQLModel, table=True):
    """An entry taken into a round, and whether it advanced from it."""

    __tablename__ = "round_entry"
    __table_args__ = (UniqueConstraint("round_id", "entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True, ondelete="CASCADE")
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    advanced: bool | None = Field(default=None)
    # The entry's place and score (0–1) when advancement was applied, and which tie-break,
    # if any, placed it against an entry with the same score.
    rank: int | None = Field(default=None)
    score: float | None = Field(default=None)
    tie_resolved_by: str | None = Field(default=None, max_length=20)
    override_reason: str | None = Field(default=None, max_length=500)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Assignment(SQLModel, table=True):
    """(round, entry, judge): the judge scores this entry in this round."""

    __table_args__ = (
        UniqueConstraint("round_id", "entry_id", "judge_id"),
        Index("ix_assignment_round_id_judge_id", "round_id", "judge_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True, ondelete="CASCADE")
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    judge_id: int = Field(foreign_key="judge.id", index=True, ondelete="CASCADE")
    source: str = Field(default="auto", max_length=10)  # auto or manual
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ScorecardStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"


class Scorecard(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", unique=True, ondelete="CASCADE")
    status: ScorecardStatus = Field(
        default=ScorecardStatus.draft,
        sa_column=Column(_enum(ScorecardStatus, "scorecard_status"), nullable=False),
    )
    comment: str = Field(default="", max_length=5000)  # for organisers only
    feedback: str = Field(default="", max_length=5000)  # may be released to the entrant
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when an organiser reopens a submitted scorecard: the judge may then edit it even
    # after the round has closed, until they submit it again.
    reopen_reason: str | None = Field(default=None, max_length=500)
    reopened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ScoreValue(SQLModel, table=True):
    """One criterion's value on a scorecard; `value` is null where the judge chose N/A."""

    __tablename__ = "score_value"
    __table_args__ = (UniqueConstraint("scorecard_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    scorecard_id: int = Field(foreign_key="scorecard.id", index=True, ondelete="CASCADE")
    criterion_id: int = Field(foreign_key="criterion.id", index=True, ondelete="CASCADE")
    value: float | None = Field(default=None)
