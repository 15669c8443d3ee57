"""Request and response bodies of the platform admin's account pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

UserFilter = Literal["all", "admins", "inactive", "unverified"]


class AdminUserPublic(BaseModel):
    id: int
    email: str
    display_name: str
    is_admin: bool
    is_active: bool
    email_verified: bool
    language: str | None
    created_at: datetime
    last_seen_at: datetime | None = Field(description="The latest use of any of its sessions")


class Membership(BaseModel):
    slug: str
    title: str
    role: str


class HistoryEvent(BaseModel):
    action: str
    actor: str | None
    before: dict[str, object] | None
    after: dict[str, object] | None
    reason: str | None
    created_at: datetime


class AdminUserDetail(AdminUserPublic):
    memberships: list[Membership] = Field(description="Its roles in calls: organiser, judge…")
    entries: int = Field(description="Entries it owns, in every call, drafts included")
    live_sessions: int
    history: list[HistoryEvent] = Field(description="What admins changed, newest first (20)")


class AdminUserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    is_active: bool | None = Field(
        default=None, description="false: deactivate (its sessions end at once); true: restore"
    )
    is_admin: bool | None = Field(default=None, description="Grant or take away platform admin")
    reason: str = Field(
        min_length=1, max_length=2000, description="Why, for the audit log (required)"
    )
