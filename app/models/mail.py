"""Mail and notifications: the outbox, in-app notifications, each person's choice of
optional messages, and organisers' broadcasts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class OutboxMessage(SQLModel, table=True):
    """A message written in the same transaction as the change that caused it.

    Senders claim due rows with a lease (``locked_until``), so any number of them share the
    outbox and a crashed sender's claim simply expires. ``idempotency_key`` names the event
    and the recipient (e.g. ``deadline-24h:7:2026-03-01T17:00:00Z:42``): the database takes a
    key once, so a scheduler run twice, by two workers or after a restart, queues it once.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_message_challenge_id_id", "challenge_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    template: str = Field(max_length=80)
    # The message's kind (app/mail/kinds.py): what preferences and unsubscribe links name.
    kind: str = Field(default="transactional", max_length=40)
    idempotency_key: str | None = Field(
        default=None, sa_column=Column(String(200), nullable=True, unique=True)
    )
    challenge_id: int | None = Field(default=None, foreign_key="challenge.id", ondelete="SET NULL")
    broadcast_id: int | None = Field(
        default=None, foreign_key="broadcast.id", index=True, ondelete="SET NULL"
    )
    to_address: str = Field(max_length=320)
    user_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_column=Column(Text, nullable=False))
    html_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Optional messages carry a one-click unsubscribe link (and the List-Unsubscribe headers).
    unsubscribe_url: str | None = Field(default=None, max_length=500)
    status: str = Field(default="pending", max_length=10)  # pending, sent, failed
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Notification(SQLModel, table=True):
    """An event shown on the person's own page (the same events as their mail), read or
    not yet read."""

    __table_args__ = (Index("ix_notification_user_id_read_at", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    challenge_id: int | None = Field(
        default=None, foreign_key="challenge.id", index=True, ondelete="CASCADE"
    )
    kind: str = Field(max_length=40)
    title: str = Field(max_length=300)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    link: str | None = Field(default=None, max_length=500)
    idempotency_key: str | None = Field(
        default=None, sa_column=Column(String(200), nullable=True, unique=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MailPreference(SQLModel, table=True):
    """A person's choice for one kind of optional message; no row: the kind's default (on)."""

    __tablename__ = "mail_preference"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(max_length=40, primary_key=True)
    enabled: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Broadcast(SQLModel, table=True):
    """An organiser's message to one segment of a call's people (audited)."""

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    # all_entrants, drafts, eligible, finalists, judges, voters
    segment: str = Field(max_length=20)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    recipients: int = Field(default=0)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
