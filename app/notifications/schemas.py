"""Request and response bodies of preferences, unsubscribing, in-app notifications and
broadcasts."""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A BCP 47 language tag as people use them: "fr", "pt-BR", "zh-Hant", "es-419".
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KindPreference(BaseModel):
    """One kind of message and whether this person gets it by mail."""

    kind: str
    label: str
    audience: str = Field(description="everyone, entrants, judges or organisers")
    optional: bool = Field(description="false: transactional, always sent")
    enabled: bool


class MailPreferences(BaseModel):
    language: str | None = Field(
        description="The language for mail where a translation exists (BCP 47); null: English"
    )
    languages: list[str] = Field(description="The languages some mail is translated into")
    kinds: list[KindPreference]


class LanguageIn(Input):
    language: str | None = Field(
        default=None, max_length=20, description="A BCP 47 tag such as fr or pt-BR; null: none"
    )

    @field_validator("language")
    @classmethod
    def _tag(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().replace("_", "-")
        if not LANGUAGE_TAG.match(value):
            raise ValueError("must be a language tag such as fr, sw or pt-BR")
        primary, *rest = value.split("-")
        return "-".join([primary.lower(), *rest])


class LanguageOut(BaseModel):
    language: str | None


class MailKind(BaseModel):
    kind: str
    label: str
    optional: bool


class Unsubscribed(BaseModel):
    """The kind of message now turned off for the person the link was made for."""

    kind: str
    label: str
    enabled: bool


class NotificationPublic(BaseModel):
    id: int
    challenge_id: int | None
    kind: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None
    read: bool


class UnreadCount(BaseModel):
    count: int


class MarkedRead(BaseModel):
    marked: int = Field(description="How many notifications were unread and now are read")


class Segment(enum.StrEnum):
    all_entrants = "all_entrants"
    drafts = "drafts"
    eligible = "eligible"
    finalists = "finalists"
    judges = "judges"
    voters = "voters"


def _clean_subject(value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    # A line break in a Subject header would end the header (and fail the send).
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise ValueError("must be one line, without control or invisible formatting characters")
    if not value:
        raise ValueError("is required")
    return value


def _clean_body(value: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    if not value:
        raise ValueError("is required")
    return value


class BroadcastIn(Input):
    segment: Segment
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20000, description="Markdown")

    _subject = field_validator("subject")(_clean_subject)
    _body = field_validator("body")(_clean_body)


class BroadcastPreview(BaseModel):
    """What a send would do: who gets it and the message as the first of them will see it."""

    segment: Segment
    recipients: int
    sample: list[str] = Field(description="Up to 10 recipients' display names")
    subject: str
    text: str
    html: str


class BroadcastPublic(BaseModel):
    id: int
    segment: Segment
    subject: str
    body: str
    recipients: int = Field(description="People in the segment when it was sent (all notified)")
    sent: int
    pending: int
    failed: int
    not_mailed: int = Field(
        description="Recipients who turned these messages off: notified on their page only"
    )
    created_by: str | None
    created_at: datetime
