"""Request and response bodies of the account API."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

PASSWORD_MIN = 8
PASSWORD_MAX = 256


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def clean_display_name(value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") for ch in value):
        raise ValueError("may not contain control or invisible formatting characters")
    if not value:
        raise ValueError("is required")
    return value


def normalise_email(value: str) -> str:
    """Trimmed and lower-cased: one account per address, however it is typed."""
    return value.strip().lower()


def _valid_email(value: str) -> str:
    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("is not a valid e-mail address (name@example.org)") from None
    return normalise_email(value)


EmailAddress = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(_valid_email)]

Password = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)


class RegisterIn(Input):
    email: EmailAddress
    display_name: str = Field(min_length=1, max_length=120)
    password: str = Password

    _name = field_validator("display_name")(clean_display_name)


class LoginIn(Input):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class UpdateMeIn(Input):
    display_name: str = Field(min_length=1, max_length=120)

    _name = field_validator("display_name")(clean_display_name)


class ChangePasswordIn(Input):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    new_password: str = Password


class TokenIn(Input):
    token: str = Field(min_length=1, max_length=200)


class ResetRequestIn(Input):
    email: EmailAddress


class ResetPasswordIn(Input):
    token: str = Field(min_length=1, max_length=200)
    new_password: str = Password


class UserPublic(BaseModel):
    id: int
    email: str
    display_name: str
    email_verified: bool
    is_admin: bool
    created_at: datetime
    language: str | None = Field(
        default=None,
        description="The account's language (BCP 47) for pages and mail; null: not chosen",
    )


class LoginOut(BaseModel):
    """The session: the cookie is set too; scripts send `token` as `Authorization: Bearer`."""

    user: UserPublic
    token: str
    expires_at: datetime


class SessionPublic(BaseModel):
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip: str | None
    current: bool


class Accepted(BaseModel):
    detail: str
