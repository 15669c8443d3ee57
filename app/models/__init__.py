"""Every table model, imported here so SQLModel.metadata (and Alembic) sees them all."""

from app.core import db as _db  # noqa: F401  (sets the naming convention first)
from app.models.audit import AuditEvent
from app.models.challenge import (
    Challenge,
    ChallengeReport,
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
from app.models.judging import (
    Assignment,
    Conflict,
    ConflictSource,
    Criterion,
    Judge,
    JudgeStatus,
    Round,
    RoundEntry,
    Scorecard,
    ScorecardStatus,
    ScoreValue,
)
from app.models.mail import Broadcast, MailPreference, Notification, OutboxMessage
from app.models.results import Award, AwardTier, Publication, ResultsRules
from app.models.user import LoginFailure, User, UserSession, UserToken
from app.models.voting import Ballot, BallotSource, RateCounter, Vote, VoteStatus, VotingRules

__all__ = [
    "Assignment",
    "AuditEvent",
    "Award",
    "AwardTier",
    "Ballot",
    "BallotSource",
    "Broadcast",
    "Challenge",
    "ChallengeReport",
    "ChallengeRole",
    "Channel",
    "CommitteeMember",
    "Conflict",
    "ConflictSource",
    "Criterion",
    "Eligibility",
    "Entry",
    "EntryRevision",
    "EntryStatus",
    "FieldType",
    "FormField",
    "Judge",
    "JudgeStatus",
    "Licence",
    "LoginFailure",
    "MailPreference",
    "Membership",
    "Notification",
    "OutboxMessage",
    "Publication",
    "RateCounter",
    "ResultsRules",
    "Round",
    "RoundEntry",
    "ScoreValue",
    "Scorecard",
    "ScorecardStatus",
    "StoredFile",
    "TeamMember",
    "User",
    "UserSession",
    "UserToken",
    "Vote",
    "VoteStatus",
    "VotingRules",
]
