"""Every table model, imported here so SQLModel.metadata (and Alembic) sees them all."""

from app.core import db as _db  # noqa: F401  (sets the naming convention first)
from app.models.challenge import Challenge, ChallengeRole, Membership
from app.models.mail import OutboxMessage
from app.models.user import LoginFailure, User, UserSession, UserToken

__all__ = [
    "Challenge",
    "ChallengeRole",
    "LoginFailure",
    "Membership",
    "OutboxMessage",
    "User",
    "UserSession",
    "UserToken",
]
