"""The entry form: typed fields with their settings, versioned once entries are submitted.

Until the first entry is submitted the form may change freely. After that it is locked:
only optional fields may be added, and each change raises the form's version, so answers
stay tied to the version they were given against.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlmodel import Session, col, func, select

from app.audit.service import changes, record, snapshot
from app.challenges.access import ChallengeAccess
from app.challenges.content import slugify
from app.challenges.schemas import FormFieldIn, FormFieldPublic, FormFieldUpdate, FormPublic
from app.core.db import utcnow
from app.core.errors import Conflict, NotFound, Unprocessable
from app.files.kinds import FILE_KINDS
from app.models import Challenge, Entry, FieldType, FormField

FIELD_AUDIT = (
    "key",
    "type",
    "label",
    "help_text",
    "required",
    "show_to_judges",
    "public",
    "identifying",
    "demographic",
    "config",
    "position",
)


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShortTextConfig(_Config):
    max_length: int = Field(default=300, ge=1, le=5000)


class LongTextConfig(_Config):
    max_words: int | None = Field(default=None, ge=1, le=50_000)


class NumberConfig(_Config):
    min: float | None = None
    max: float | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _order(self) -> NumberConfig:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class ChoiceConfig(_Config):
    choices: list[str] = Field(min_length=1, max_length=200)

    @field_validator("choices")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        cleaned = [c.strip() for c in value]
        if any(not c or len(c) > 300 for c in cleaned) or len(set(cleaned)) != len(cleaned):
            raise ValueError("choices must be distinct, non-empty and at most 300 characters")
        return cleaned


class MultiChoiceConfig(ChoiceConfig):
    max_choices: int | None = Field(default=None, ge=1)


class DateConfig(_Config):
    min: date | None = None
    max: date | None = None


class FileConfig(_Config):
    accept: list[str] = Field(min_length=1)
    max_size_mb: float = Field(default=10, gt=0, le=500)
    max_files: int = Field(default=1, ge=1, le=20)

    @field_validator("accept")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        unknown = [k for k in value if k not in FILE_KINDS]
        if unknown:
            raise ValueError(f"unknown file kinds {unknown}; choose from {sorted(FILE_KINDS)}")
        return value


class MoneyConfig(_Config):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    max_amount: float | None = Field(default=None, gt=0)


CONFIGS: dict[FieldType, type[_Config]] = {
    FieldType.short_text: ShortTextConfig,
    FieldType.long_text: LongTextConfig,
    FieldType.number: NumberConfig,
    FieldType.choice: ChoiceConfig,
    FieldType.multi_choice: MultiChoiceConfig,
    FieldType.url: _Config,
    FieldType.email: _Config,
    FieldType.date: DateConfig,
    FieldType.country: _Config,
    FieldType.file: FileConfig,
    FieldType.checkbox: _Config,
    FieldType.money: MoneyConfig,
}


def clean_config(field_type: FieldType, config: dict[str, Any]) -> dict[str, Any]:
    """Validate a field's settings for its type; errors name `config.<setting>`."""
    try:
        return CONFIGS[field_type].model_validate(config).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        field = f"config.{where}" if where else "config"
        message = str(err["msg"]).removeprefix("Value error, ")
        raise Unprocessable(f"{field}: {message}", field=field) from None


def fields_at(session: Session, challenge_id: int, version: int | None = None) -> list[FormField]:
    """The form's fields as of a version (the current one when None), in order."""
    statement = select(FormField).where(FormField.challenge_id == challenge_id)
    if version is None:
        statement = statement.where(col(FormField.version_removed).is_(None))
    else:
        statement = statement.where(
            FormField.version_added <= version,
            (col(FormField.version_removed).is_(None)) | (col(FormField.version_removed) > version),
        )
    return list(session.exec(statement.order_by(col(FormField.position), col(FormField.id))).all())


def form_locked(session: Session, challenge_id: int) -> bool:
    """Locked from the first submission on (a withdrawn entry was submitted too)."""
    return (
        session.exec(
            select(Entry.id)
            .where(Entry.challenge_id == challenge_id, col(Entry.submitted_at).is_not(None))
            .limit(1)
        ).first()
        is not None
    )


def to_public(field: FormField) -> FormFieldPublic:
    return FormFieldPublic.model_validate(field, from_attributes=True)


def form_view(session: Session, challenge: Challenge) -> FormPublic:
    """The form as it stands, in the call's original language."""
    assert challenge.id is not None
    challenge_id = challenge.id
    return FormPublic(
        version=challenge.form_version,
        content_language=challenge.original_language,
        locked=form_locked(session, challenge_id),
        fields=[to_public(f) for f in fields_at(session, challenge_id)],
    )


def _bump_version(access: ChallengeAccess) -> int:
    challenge = access.challenge
    challenge.form_version += 1
    challenge.updated_at = utcnow()
    return challenge.form_version


def add_field(session: Session, access: ChallengeAccess, body: FormFieldIn) -> FormField:
    challenge = access.challenge
    assert challenge.id is not None
    if form_locked(session, challenge.id) and body.required:
        raise Conflict(
            "Entries have been submitted: only optional fields can be added now.",
            field="required",
            code="form_locked",
        )
    config = clean_config(body.type, body.config)
    key = body.key or slugify(body.label, 50, "_") or "field"
    if not key[0].isalpha():
        key = f"q_{key}"
    taken = set(
        session.exec(select(FormField.key).where(FormField.challenge_id == challenge.id)).all()
    )
    if body.key and body.key in taken:
        raise Conflict("Another field of this form uses this key.", field="key", code="key_taken")
    base, n = key, 1
    while key in taken:
        n += 1
        key = f"{base[:55]}_{n}"
    position = body.position
    if position is None:
        last = session.exec(
            select(func.max(FormField.position)).where(FormField.challenge_id == challenge.id)
        ).one()
        position = 0 if last is None else last + 1
    version = _bump_version(access)
    field = FormField(
        **body.model_dump(exclude={"key", "config", "position"}),
        key=key,
        config=config,
        position=position,
        challenge_id=challenge.id,
        version_added=version,
    )
    session.add(field)
    session.add(challenge)
    session.flush()
    record(
        session,
        actor=access.user,
        action="form.add_field",
        object_type="form_field",
        object_id=field.id,
        challenge_id=challenge.id,
        after={**snapshot(field, FIELD_AUDIT), "form_version": version},
    )
    session.commit()
    return field


def _field(session: Session, access: ChallengeAccess, field_id: int) -> FormField:
    field = session.get(FormField, field_id)
    if (
        field is None
        or field.challenge_id != access.challenge.id
        or field.version_removed is not None
    ):
        raise NotFound("No such field in this form.")
    return field


def _refuse_if_locked(session: Session, access: ChallengeAccess) -> None:
    assert access.challenge.id is not None
    if form_locked(session, access.challenge.id):
        raise Conflict(
            "Entries have been submitted: the form can no longer change, except by adding optional fields.",
            code="form_locked",
        )


def update_field(
    session: Session, access: ChallengeAccess, field_id: int, body: FormFieldUpdate
) -> FormField:
    field = _field(session, access, field_id)
    _refuse_if_locked(session, access)
    before = snapshot(field, FIELD_AUDIT)
    values = body.model_dump(exclude_unset=True)
    if "config" in values and values["config"] is not None:
        values["config"] = clean_config(field.type, values["config"])
    for name, value in values.items():
        if value is not None:
            setattr(field, name, value)
    old, new = changes(before, snapshot(field, FIELD_AUDIT))
    if new:
        version = _bump_version(access)
        record(
            session,
            actor=access.user,
            action="form.update_field",
            object_type="form_field",
            object_id=field.id,
            challenge_id=field.challenge_id,
            before=old,
            after={**new, "form_version": version},
        )
    session.add(field)
    session.add(access.challenge)
    session.commit()
    return field


def delete_field(session: Session, access: ChallengeAccess, field_id: int) -> None:
    field = _field(session, access, field_id)
    _refuse_if_locked(session, access)
    version = _bump_version(access)
    record(
        session,
        actor=access.user,
        action="form.delete_field",
        object_type="form_field",
        object_id=field.id,
        challenge_id=field.challenge_id,
        before=snapshot(field, FIELD_AUDIT),
        after={"form_version": version},
    )
    # No entry was ever submitted against it, so nothing refers to it; drafts keep their
    # typed answer in `answers` should the organiser add it back.
    session.delete(field)
    session.add(access.challenge)
    session.commit()
