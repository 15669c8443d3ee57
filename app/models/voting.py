"""Community voting: a challenge's voting rules, each voter's ballot (the counter that keeps
them within their number of votes), the votes themselves, and rate-limit windows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, Double, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.models.challenge import _enum


class BallotSource(enum.StrEnum):
    eligible = "eligible"  # every eligible entry
    advanced = "advanced"  # those advanced from a named round
    finalists = "finalists"  # those advanced from the last round that advanced any


class VotingRules(SQLModel, table=True):
    """How a challenge's public vote works; the window is the challenge's voting dates."""

    __tablename__ = "voting_rules"

    challenge_id: int = Field(foreign_key="challenge.id", primary_key=True, ondelete="CASCADE")
    enabled: bool = Field(default=False)
    ballot: BallotSource = Field(
        default=BallotSource.eligible,
        sa_column=Column(_enum(BallotSource, "ballot_source"), nullable=False),
    )
    ballot_round_id: int | None = Field(default=None, foreign_key="round.id", ondelete="SET NULL")
    votes_per_voter: int = Field(default=1)
    one_per_category: bool = Field(default=False)
    require_verified: bool = Field(default=True)
    allow_self_vote: bool = Field(default=False)
    # Held for review: a vote from an account younger than `new_account_hours` when at least
    # `burst_accounts` such young accounts voted from one network within `burst_minutes`.
    new_account_hours: int = Field(default=48)
    burst_accounts: int = Field(default=5)
    burst_minutes: int = Field(default=60)
    # Rate limits per account and per address, votes and retractions together.
    per_account_per_minute: int = Field(default=20)
    per_address_per_minute: int = Field(default=120)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Ballot(SQLModel, table=True):
    """A voter's votes in a challenge, counted: a conditional UPDATE on `used` keeps every
    voter within the declared number, whatever the concurrency."""

    __table_args__ = (UniqueConstraint("challenge_id", "voter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    voter_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    used: int = Field(default=0)


class VoteStatus(enum.StrEnum):
    counted = "counted"
    held = "held"  # waiting for an organiser's review
    discarded = "discarded"


class Vote(SQLModel, table=True):
    """One voter's vote for one entry (at most one, by the unique constraint)."""

    __table_args__ = (
        UniqueConstraint("entry_id", "voter_id"),
        # With one vote per category, the slot is the category and the constraint holds
        # them to it; otherwise the slot is null and null slots never collide.
        UniqueConstraint("challenge_id", "voter_id", "category_slot"),
        Index("ix_vote_challenge_id_status_entry_id", "challenge_id", "status", "entry_id"),
        # The tally per entry, a page at a time: an index-only scan in the entries' order.
        Index("ix_vote_challenge_id_entry_id_status", "challenge_id", "entry_id", "status"),
        Index("ix_vote_challenge_id_network_created_at", "challenge_id", "network", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", ondelete="CASCADE")
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    voter_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    category_slot: str | None = Field(default=None, max_length=200)
    status: VoteStatus = Field(
        default=VoteStatus.counted,
        sa_column=Column(_enum(VoteStatus, "vote_status"), nullable=False),
    )
    # Keyed hash of the voter's network (/24 for IPv4, /48 for IPv6): enough to see a burst,
    # never the address itself.
    network: str = Field(sa_column=Column(String(64), nullable=False))
    new_account: bool = Field(default=False)
    hold_reason: str | None = Field(default=None, max_length=300)
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RateCounter(SQLModel, table=True):
    """One key's count of a rate-limited action, for rate limits kept in the database (when
    Redis is not set): the hits in its current fixed window and in the window before, which
    the limiter weighs by how much of it the sliding window still covers."""

    __tablename__ = "rate_counter"

    scope: str = Field(max_length=40, primary_key=True)
    key: str = Field(max_length=200, primary_key=True)
    seconds: int = Field(default=60)  # the window's length
    # The current window's number: seconds since the epoch over the window's length, floored.
    window_index: int = Field(sa_type=BigInteger)
    hits: int = Field(default=0)
    previous: int = Field(default=0)  # hits in window `window_index - 1`
    cap: int = Field(default=0)  # the limit in force at the last hit
    last_at: float = Field(default=0.0, sa_type=Double)  # seconds since the epoch
