"""Challenges (calls), their committees, entry forms, and the roles people hold in them."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum], name: str) -> SAEnum:
    # Stored as plain strings (no native enum): adding a value needs no ALTER TYPE.
    return SAEnum(
        cls,
        name=name,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class Licence(enum.StrEnum):
    cc_by_4 = "CC-BY-4.0"
    cc_by_sa_4 = "CC-BY-SA-4.0"
    cc_by_nc_4 = "CC-BY-NC-4.0"
    cc0 = "CC0-1.0"
    all_rights_reserved = "all-rights-reserved"


class Challenge(SQLModel, table=True):
    """One contest: its content, timeline, form settings, limits and lifecycle."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(80), nullable=False, unique=True))
    title: str = Field(max_length=200)
    prompt: str = Field(default="", max_length=500)  # "How might we …?"
    description_md: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The Markdown rendered and sanitised with nh3 when saved; what pages show.
    description_html: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    eligibility_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The language the call's own content is written in (a BCP 47 tag); translations of that
    # content into other languages are ChallengeTranslation rows.
    original_language: str = Field(
        default="en", sa_column=Column(String(20), nullable=False, server_default="en")
    )
    formats_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    prizes_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recognition_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    licence: Licence = Field(
        default=Licence.cc_by_4, sa_column=Column(_enum(Licence, "licence"), nullable=False)
    )
    consent_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    contact_email: str | None = Field(default=None, max_length=320)
    # use_alter: stored_file also points at challenge, so this key is added after both exist.
    cover_file_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("stored_file.id", ondelete="SET NULL", use_alter=True),
            nullable=True,
        ),
    )

    timezone: str = Field(default="UTC", max_length=64)
    opens_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    grace_minutes: int = Field(default=0)
    judging_opens_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    judging_closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voting_opens_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voting_closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # closed early by hand
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    results_published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    phase_override: str | None = Field(default=None, max_length=20)
    phase_override_reason: str | None = Field(default=None, max_length=500)

    max_entries_per_participant: int = Field(default=3)
    max_team_size: int = Field(default=5)
    reference_prefix: str = Field(default="OC", max_length=8)
    entry_counter: int = Field(default=0)  # last reference number handed out
    form_version: int = Field(default=1)
    eligibility_rules: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    screening_reasons: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )

    created_by_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChallengeTranslation(SQLModel, table=True):
    """A call's own content in one more language. An empty text falls back to the original;
    `form` gives the entry form's questions in that language, by field key:
    {"label": …, "help_text": …, "choices": {original choice: its translation}}."""

    __tablename__ = "challenge_translation"
    __table_args__ = (UniqueConstraint("challenge_id", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=20)
    title: str = Field(default="", max_length=200)
    prompt: str = Field(default="", max_length=500)
    description_md: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    description_html: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    eligibility_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    formats_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    prizes_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recognition_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    consent_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    form: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_by_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChallengeRole(enum.StrEnum):
    organiser = "organiser"
    screener = "screener"
    judge = "judge"


class Membership(SQLModel, table=True):
    """A person's role in one challenge; a person may hold several roles in it."""

    __table_args__ = (UniqueConstraint("challenge_id", "user_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    role: ChallengeRole = Field(
        sa_column=Column(
            SAEnum(ChallengeRole, name="challenge_role", native_enum=False, length=20),
            nullable=False,
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CommitteeMember(SQLModel, table=True):
    """A steering committee member; the committee is public."""

    __tablename__ = "committee_member"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    affiliation: str = Field(default="", max_length=300)
    role: str = Field(default="", max_length=200)
    voting: bool = Field(default=True)  # False: a non-voting observer (funders, industry)
    position: int = Field(default=0)


class FieldType(enum.StrEnum):
    short_text = "short_text"
    long_text = "long_text"
    number = "number"
    choice = "choice"
    multi_choice = "multi_choice"
    url = "url"
    email = "email"
    date = "date"
    country = "country"
    file = "file"
    checkbox = "checkbox"
    money = "money"


class FormField(SQLModel, table=True):
    """One question of a challenge's entry form, alive from `version_added` until
    `version_removed`; answers are tied to the form version they were given against."""

    __tablename__ = "form_field"
    __table_args__ = (UniqueConstraint("challenge_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    key: str = Field(max_length=60)
    type: FieldType = Field(sa_column=Column(_enum(FieldType, "field_type"), nullable=False))
    label: str = Field(max_length=300)
    help_text: str = Field(default="", max_length=2000)
    required: bool = Field(default=False)
    show_to_judges: bool = Field(default=True)
    public: bool = Field(default=False)
    identifying: bool = Field(default=False)
    demographic: bool = Field(default=False)
    # Type-specific settings: max_words, min/max, choices, accept, max_size_mb, max_files,
    # currency, max_amount.
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    position: int = Field(default=0)
    version_added: int = Field(default=1)
    version_removed: int | None = Field(default=None)


class ChallengeReport(SQLModel, table=True):
    """What the organisers report by hand for the evaluation: the call's reach and its costs
    (in one currency). Every figure is optional; the dashboard divides the costs by entries."""

    __tablename__ = "challenge_report"

    challenge_id: int = Field(foreign_key="challenge.id", primary_key=True, ondelete="CASCADE")
    events: int | None = Field(default=None)
    attendance: int | None = Field(default=None, sa_type=BigInteger)
    social_reach: int | None = Field(default=None, sa_type=BigInteger)
    partners: int | None = Field(default=None)
    currency: str = Field(default="USD", max_length=3)
    prize_costs: Decimal | None = Field(default=None, sa_type=Numeric(16, 2))
    staff_costs: Decimal | None = Field(default=None, sa_type=Numeric(16, 2))
    promotion_costs: Decimal | None = Field(default=None, sa_type=Numeric(16, 2))
    other_costs: Decimal | None = Field(default=None, sa_type=Numeric(16, 2))
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
