"""Entries, their team members, revisions and stored files."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.models.challenge import _enum


class EntryStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    withdrawn = "withdrawn"


class Eligibility(enum.StrEnum):
    pending = "pending"
    eligible = "eligible"
    ineligible = "ineligible"


class Channel(enum.StrEnum):
    web = "web"
    email = "email"
    paper = "paper"
    whatsapp = "whatsapp"
    sms = "sms"
    in_person = "in_person"
    drop_box = "drop_box"


class Entry(SQLModel, table=True):
    """A participant's (or team's) submission to one challenge."""

    __table_args__ = (
        UniqueConstraint("challenge_id", "reference"),
        Index("ix_entry_challenge_id_status_id", "challenge_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    # The human reference (e.g. HIV-0042), handed out when first submitted.
    reference: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    owner_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    channel: Channel = Field(
        default=Channel.web, sa_column=Column(_enum(Channel, "channel"), nullable=False)
    )
    # For entries taken offline on someone's behalf: who they are and how to reach them.
    submitter_name: str | None = Field(default=None, max_length=200)
    submitter_contact: str | None = Field(default=None, max_length=320)

    title: str = Field(default="", max_length=300)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    category: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=20)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    form_version: int = Field(default=1)
    licence_accepted: bool = Field(default=False)
    licence: str | None = Field(default=None, max_length=30)

    status: EntryStatus = Field(
        default=EntryStatus.draft,
        sa_column=Column(_enum(EntryStatus, "entry_status"), nullable=False),
    )
    eligibility: Eligibility = Field(
        default=Eligibility.pending,
        sa_column=Column(_enum(Eligibility, "eligibility"), nullable=False),
    )
    eligibility_reason: str | None = Field(default=None, max_length=300)
    eligibility_note: str | None = Field(default=None, max_length=2000)
    screened_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    screened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The declared eligibility rules and their outcome at the last submit or edit.
    rule_outcomes: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    position: int = Field(default=0)


class EntryRevision(SQLModel, table=True):
    """A snapshot of a submitted entry at each submit and each later change."""

    __tablename__ = "entry_revision"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    number: int
    kind: str = Field(max_length=20)  # submit, edit
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class StoredFile(SQLModel, table=True):
    """A file in storage under a random key; the uploader's name is metadata only."""

    __tablename__ = "stored_file"

    id: int | None = Field(default=None, primary_key=True)
    storage_key: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    entry_id: int | None = Field(
        default=None, foreign_key="entry.id", index=True, ondelete="CASCADE"
    )
    challenge_id: int | None = Field(
        default=None, foreign_key="challenge.id", index=True, ondelete="CASCADE"
    )
    field_key: str | None = Field(default=None, max_length=60)
    original_name: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
