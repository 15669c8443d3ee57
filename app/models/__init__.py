"""Every table model, imported here so SQLModel.metadata (and Alembic) sees them all."""

from app.core import db as _db  # noqa: F401  (sets the naming convention first)
from app.models.audit import AuditEvent
from app.models.challenge import (
    Challenge,
    ChallengeRole,
    CommitteeMember,
    FieldType,
    FormField,
    Licence,
    Membership,
)
from app.models.entry import (
    Channel,
    Eligibility,
    Entry,
    EntryRevision,
    EntryStatus,
    StoredFile,
    TeamMember,
)
from app.models.mail import OutboxMessage
from app.models.user import LoginFailure, User, UserSession, UserToken

__all__ = [
    "AuditEvent",
    "Challenge",
    "ChallengeRole",
    "Channel",
    "CommitteeMember",
    "Eligibility",
    "Entry",
    "EntryRevision",
    "EntryStatus",
    "FieldType",
    "FormField",
    "Licence",
    "LoginFailure",
    "Membership",
    "OutboxMessage",
    "StoredFile",
    "TeamMember",
    "User",
    "UserSession",
    "UserToken",
]
