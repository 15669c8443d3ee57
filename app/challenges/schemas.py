"""Request and response bodies for challenges, their committee, roles, form and audit log."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.auth.schemas import EmailAddress
from app.models import ChallengeRole, FieldType, Licence

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")

Phase = Literal["draft", "upcoming", "open", "closed", "judging", "voting", "results", "archived"]
PHASES: tuple[str, ...] = Phase.__args__  # type: ignore[attr-defined]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError(
            "must be 1–80 lower-case letters, digits and hyphens, starting and ending with a "
            "letter or digit (e.g. hiv-testing-2027)"
        )
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not an IANA time zone (e.g. Africa/Lagos, Europe/London)") from None
    if value not in available_timezones() and value != "UTC":
        raise ValueError("is not an IANA time zone (e.g. Africa/Lagos, Europe/London)")
    return value


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("must include its UTC offset (e.g. 2027-03-31T23:59:00+01:00)")
    return value


# A BCP 47 language tag, as people write them: "fr", "pt-BR", "sw", "zh-Hant".
LANGUAGE_TAG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2}$")


def tidy_language(value: str) -> str:
    if not LANGUAGE_TAG_RE.match(value):
        raise ValueError("must be a language tag such as fr, es, pt-BR or sw")
    primary, *rest = value.split("-")
    # The usual case: "pt-br" → "pt-BR", "zh-hant" → "zh-Hant".
    tidy = [p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p.lower() for p in rest]
    return "-".join([primary.lower(), *tidy])


Slug = Annotated[str, AfterValidator(_slug)]
LanguageTag = Annotated[str, Field(min_length=2, max_length=20), AfterValidator(tidy_language)]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_zone)]
AwareDatetime = Annotated[datetime | None, AfterValidator(_aware)]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]


class EligibilityRule(Input):
    """A declared rule, checked on submit (`enforce: block`) or flagged for screeners."""

    kind: Literal["country_in", "income_group_in", "amount_max", "consent_required", "min_age"]
    field: str = Field(
        min_length=1, max_length=60, description="the key of the form field it reads"
    )
    countries: list[Annotated[str, Field(min_length=2, max_length=2)]] | None = None
    groups: (
        list[Literal["Low income", "Lower middle income", "Upper middle income", "High income"]]
        | None
    ) = None
    max: float | None = None
    min: int | None = Field(default=None, ge=0, le=120)
    enforce: Literal["block", "flag"] = "block"
    label: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _complete(self) -> EligibilityRule:
        needs = {
            "country_in": "countries",
            "income_group_in": "groups",
            "amount_max": "max",
            "min_age": "min",
        }
        attr = needs.get(self.kind)
        if attr and not getattr(self, attr):
            raise ValueError(f"a {self.kind} rule needs `{attr}`")
        return self


class ChallengeFields(Input):
    """Every editable field; all optional so a PATCH changes only what it names."""

    title: str | None = Field(default=None, min_length=3, max_length=200)
    prompt: str | None = Field(default=None, max_length=500)
    description_md: LongText | None = None
    eligibility_text: LongText | None = None
    categories: list[ShortText] | None = Field(default=None, max_length=50)
    languages: list[Annotated[str, Field(min_length=2, max_length=20)]] | None = Field(
        default=None, max_length=30
    )
    original_language: LanguageTag | None = Field(
        default=None, description="the language this content is written in (default en)"
    )
    formats_text: LongText | None = None
    prizes_text: LongText | None = None
    recognition_text: LongText | None = None
    licence: Licence | None = None
    consent_text: LongText | None = None
    contact_email: EmailAddress | None = None
    timezone: TimeZone | None = None
    opens_at: AwareDatetime = None
    closes_at: AwareDatetime = None
    grace_minutes: int | None = Field(default=None, ge=0, le=1440)
    judging_opens_at: AwareDatetime = None
    judging_closes_at: AwareDatetime = None
    voting_opens_at: AwareDatetime = None
    voting_closes_at: AwareDatetime = None
    max_entries_per_participant: int | None = Field(default=None, ge=1, le=100)
    max_team_size: int | None = Field(default=None, ge=1, le=50)
    reference_prefix: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,8}$")
    eligibility_rules: list[EligibilityRule] | None = Field(default=None, max_length=20)
    screening_reasons: list[ShortText] | None = Field(default=None, max_length=50)

    @field_validator("categories", "languages", "screening_reasons")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = [v.strip() for v in value if v.strip()]
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("lists each item once")
        return cleaned


class ChallengeCreate(ChallengeFields):
    title: str = Field(min_length=3, max_length=200)
    slug: Slug | None = Field(default=None, description="derived from the title when omitted")


class ChallengeUpdate(ChallengeFields):
    pass


class FormFieldTranslation(Input):
    """One question of the entry form in another language (empty: the original's text)."""

    label: str = Field(default="", max_length=300)
    help_text: str = Field(default="", max_length=2000)
    choices: dict[str, Annotated[str, Field(max_length=300)]] = Field(
        default_factory=dict,
        max_length=200,
        description="each original choice → how it reads in this language (answers keep the "
        "original)",
    )


class TranslationIn(Input):
    """A call's own content in one more language. Every text is optional: one left empty is
    shown in the original language."""

    title: str = Field(default="", max_length=200)
    prompt: str = Field(default="", max_length=500)
    description_md: LongText = ""
    eligibility_text: LongText = ""
    formats_text: LongText = ""
    prizes_text: LongText = ""
    recognition_text: LongText = ""
    consent_text: LongText = ""
    form: dict[str, FormFieldTranslation] = Field(
        default_factory=dict, max_length=200, description="by the form field's key"
    )


class TranslationPublic(BaseModel):
    language: str
    title: str
    prompt: str
    description_md: str
    description_html: str
    eligibility_text: str
    formats_text: str
    prizes_text: str
    recognition_text: str
    consent_text: str
    form: dict[str, FormFieldTranslation]
    updated_at: datetime


class CloneIn(Input):
    slug: Slug
    title: str = Field(min_length=3, max_length=200)


class PhaseOverrideIn(Input):
    phase: Phase | None = Field(description="null returns to the phase the dates give")
    reason: str = Field(min_length=3, max_length=500)


class CommitteeMemberIn(Input):
    name: str = Field(min_length=1, max_length=200)
    affiliation: str = Field(default="", max_length=300)
    role: str = Field(default="", max_length=200)
    voting: bool = True
    position: int | None = Field(default=None, ge=0)


class CommitteeMemberUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    affiliation: str | None = Field(default=None, max_length=300)
    role: str | None = Field(default=None, max_length=200)
    voting: bool | None = None
    position: int | None = Field(default=None, ge=0)


class CommitteeMemberPublic(BaseModel):
    id: int
    name: str
    affiliation: str
    role: str
    voting: bool
    position: int


class RoleIn(Input):
    email: EmailAddress
    role: Literal["organiser", "screener"]


class RolePublic(BaseModel):
    id: int
    user_id: int
    display_name: str
    email: str
    role: ChallengeRole
    created_at: datetime


class FormFieldIn(Input):
    key: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]{0,59}$",
        description="derived from the label when omitted",
    )
    type: FieldType
    label: str = Field(min_length=1, max_length=300)
    help_text: str = Field(default="", max_length=2000)
    required: bool = False
    show_to_judges: bool = True
    public: bool = False
    identifying: bool = False
    demographic: bool = False
    config: dict[str, Any] = Field(default_factory=dict)
    position: int | None = Field(default=None, ge=0)


class FormFieldUpdate(Input):
    label: str | None = Field(default=None, min_length=1, max_length=300)
    help_text: str | None = Field(default=None, max_length=2000)
    required: bool | None = None
    show_to_judges: bool | None = None
    public: bool | None = None
    identifying: bool | None = None
    demographic: bool | None = None
    config: dict[str, Any] | None = None
    position: int | None = Field(default=None, ge=0)


class FormFieldPublic(BaseModel):
    id: int
    key: str
    type: FieldType
    label: str
    help_text: str
    required: bool
    show_to_judges: bool
    public: bool
    identifying: bool
    demographic: bool
    config: dict[str, Any]
    position: int
    version_added: int


class FormPublic(BaseModel):
    version: int
    content_language: str = Field(description="the language of the labels and help texts")
    locked: bool = Field(
        description="true once an entry is submitted: only optional fields may be added"
    )
    fields: list[FormFieldPublic]


class ChallengePublic(BaseModel):
    id: int
    slug: str
    title: str
    prompt: str
    description_html: str
    eligibility_text: str
    categories: list[str]
    languages: list[str]
    original_language: str = Field(description="the language the call is written in")
    content_language: str = Field(
        description="the language of the text in this answer: a translation's when `lang` "
        "asked for one the call has, else the original's"
    )
    translations: list[str] = Field(description="the languages the call is also given in")
    untranslated: list[str] = Field(
        description="fields shown in the original language because the translation leaves "
        "them empty"
    )
    formats_text: str
    prizes_text: str
    recognition_text: str
    licence: Licence
    consent_text: str
    contact_email: str | None
    cover_url: str | None
    timezone: str
    opens_at: datetime | None
    closes_at: datetime | None
    grace_minutes: int
    judging_opens_at: datetime | None
    judging_closes_at: datetime | None
    voting_opens_at: datetime | None
    voting_closes_at: datetime | None
    phase: Phase
    accepting_entries: bool
    published_at: datetime | None
    closed_at: datetime | None
    archived_at: datetime | None
    max_entries_per_participant: int
    max_team_size: int
    eligibility_rules: list[dict[str, Any]]
    form_version: int
    created_at: datetime
    updated_at: datetime
    my_roles: list[ChallengeRole] = Field(description="the caller's roles in this challenge")


class ChallengeStaffView(ChallengePublic):
    """What organisers and screeners see besides the public page."""

    description_md: str
    reference_prefix: str
    screening_reasons: list[str]
    phase_override: str | None
    phase_override_reason: str | None


class ChallengeSummary(BaseModel):
    id: int
    slug: str
    title: str
    prompt: str
    content_language: str = Field(description="the language of the title and prompt")
    phase: Phase
    timezone: str
    opens_at: datetime | None
    closes_at: datetime | None
    cover_url: str | None
    my_roles: list[ChallengeRole]


class Country(BaseModel):
    iso2: str
    iso3: str
    name: str
    region: str
    income_group: str | None


class AuditActor(BaseModel):
    id: int
    display_name: str


class AuditEventPublic(BaseModel):
    id: int
    actor: AuditActor | None
    action: str
    object_type: str
    object_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    created_at: datetime
