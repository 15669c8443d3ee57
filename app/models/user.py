"""Accounts: users, their sessions, single-use tokens and failed logins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Stored normalised (trimmed, lower-case); unique across the platform.
    email: str = Field(sa_column=Column(String(320), nullable=False, unique=True))
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    email_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    is_admin: bool = Field(default=False)
    is_active: bool = Field(default=True)
    # The person's language (a BCP 47 tag such as "fr"): mail in it where a translation
    # exists; none: the browser's, and English for mail.
    language: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserSession(SQLModel, table=True):
    """A login. The token itself is never stored, only its keyed hash."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_agent: str | None = Field(default=None, max_length=300)
    ip: str | None = Field(default=None, max_length=64)


class UserToken(SQLModel, table=True):
    """A single-use, expiring token sent by mail (e-mail verification, password reset)."""

    __tablename__ = "user_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=20)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginFailure(SQLModel, table=True):
    """One failed login, counted per account and per address across every worker."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_scope_key_at", "scope", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=10)  # "account" or "address"
    key: str = Field(max_length=320)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
