"""The entries table: one row per entry of a challenge, one column per question of its form
(every version's), with status, eligibility, channel, country and income group and the
timestamps. Streamed: rows are read from the database in batches as they are written."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.abc import Buffer
from psycopg.adapt import Loader
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.challenges.countries import by_iso2
from app.exports.csvfile import cell
from app.models import Entry, FieldType, FormField, StoredFile, User

BATCH = 2000


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, integer, number, boolean, datetime, date, or a list of allowed values
    meaning: str


FIXED = (
    Column("entry_id", "integer", "The entry's number in OpenCall; stable, never reused."),
    Column("reference", "text", "The reference given at first submission, e.g. HIV-0042."),
    Column("status", "draft | submitted | withdrawn", "Where the entry stands now."),
    Column("eligibility", "pending | eligible | ineligible", "The screening decision, if any yet."),
    Column("eligibility_reason", "text", "The reason recorded with an ineligible decision."),
    Column(
        "channel",
        "web | email | paper | whatsapp | sms | in_person | drop_box",
        "How the entry reached the call.",
    ),
    Column("category", "text", "The call's category the entrant chose."),
    Column("language", "text", "The language the entry is written in."),
    Column("title", "text", "The entry's title."),
    Column("summary", "text", "The entry's summary."),
    Column("licence", "text", "The licence the entrant granted, if the call asks for one."),
    Column("country", "ISO 3166-1 alpha-2", "The answer to the form's first country question."),
    Column(
        "income_group",
        "Low income | Lower middle income | Upper middle income | High income",
        "The World Bank income group (FY2026) of that country.",
    ),
    Column("participant_id", "integer", "The entrant's account number."),
    Column("participant_name", "text", "The entrant's name on their account."),
    Column("participant_email", "text", "The entrant's e-mail address."),
    Column("submitter_name", "text", "For entries taken offline: who it was taken for."),
    Column("submitter_contact", "text", "For entries taken offline: how to reach them."),
    Column("created_at", "datetime", "When the draft was started (UTC)."),
    Column("submitted_at", "datetime", "When it was first submitted (UTC)."),
    Column("updated_at", "datetime", "When it last changed (UTC)."),
    Column("withdrawn_at", "datetime", "When the entrant withdrew it (UTC)."),
)

ANSWER_TYPES = {
    FieldType.number: "number",
    FieldType.money: "number",
    FieldType.date: "date",
    FieldType.country: "ISO 3166-1 alpha-2",
}


def form_fields(session: Session, challenge_id: int) -> list[FormField]:
    """Every question the form ever had, in the form's order (removed ones included: old
    entries answered them)."""
    return list(
        session.exec(
            select(FormField)
            .where(FormField.challenge_id == challenge_id)
            .order_by(col(FormField.position), col(FormField.id))
        )
    )


def answer_column(field: FormField) -> Column:
    kind = ANSWER_TYPES.get(field.type)
    if kind is None and field.type in (FieldType.choice, FieldType.multi_choice):
        kind = " | ".join(field.config.get("choices", []))
    if kind is None:
        kind = "file names" if field.type == FieldType.file else "text"
    meaning = field.label
    if field.type == FieldType.money:
        meaning += f" (amount in {field.config.get('currency', '')})"
    if field.type in (FieldType.multi_choice, FieldType.file):
        meaning += " (several joined with '; ')"
    if field.version_removed is not None:
        meaning += f" (removed from the form in version {field.version_removed})"
    return Column(f"answer_{field.key}", kind, meaning)


def columns(fields: list[FormField]) -> list[Column]:
    return [*FIXED, *(answer_column(f) for f in fields)]


# Left out of the anonymised table, with the answers to questions marked identifying.
PERSONAL = frozenset(
    {"participant_name", "participant_email", "submitter_name", "submitter_contact"}
)
PARTICIPANT = Column(
    "participant",
    "text",
    "The entrant as a pseudonym (P- and 12 hex digits): the same in every table and export "
    "of this call, unrelated across calls, and not reversible without the server's key.",
)


def pseudonym(secret_key: str, challenge_id: int, user_id: int) -> str:
    """A stable pseudonymous ID for a person within one call: a keyed hash (HMAC-SHA256)."""
    text = f"participant:{challenge_id}:{user_id}".encode()
    return "P-" + hmac.new(secret_key.encode(), text, hashlib.sha256).hexdigest()[:12]


def anonymised(
    all_columns: list[Column],
    fields: list[FormField],
    table: Iterator[list[Any]],
    *,
    secret_key: str,
    challenge_id: int,
) -> tuple[list[Column], Iterator[list[Any]]]:
    """The table to share with researchers: no names, e-mail addresses or contacts, no
    answers to identifying questions, and the entrant as a pseudonym."""
    keep = _kept(all_columns, fields)
    owner = next(i for i, c in enumerate(all_columns) if c.name == "participant_id")

    def rows() -> Iterator[list[Any]]:
        for row in table:
            user_id = row[owner]
            row[owner] = None if user_id is None else pseudonym(secret_key, challenge_id, user_id)
            yield [row[i] for i in keep]

    return anonymised_columns(all_columns, fields), rows()


def _kept(all_columns: list[Column], fields: list[FormField]) -> list[int]:
    hidden = PERSONAL | {f"answer_{f.key}" for f in fields if f.identifying}
    return [i for i, c in enumerate(all_columns) if c.name not in hidden]


def anonymised_columns(all_columns: list[Column], fields: list[FormField]) -> list[Column]:
    """The anonymised table's columns: the personal ones left out, the entrant's account
    number replaced by the pseudonym."""
    return [
        PARTICIPANT if all_columns[i].name == "participant_id" else all_columns[i]
        for i in _kept(all_columns, fields)
    ]


def _answer(kind: FieldType, value: Any, files: list[str]) -> Any:
    if kind == FieldType.file:
        return "; ".join(files) if files else None
    if value is None or value == "":
        return None
    if kind == FieldType.multi_choice and isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if kind == FieldType.money and isinstance(value, dict):
        return value.get("amount")
    if isinstance(value, bool | int | float):
        return value
    return str(value)


# The entry columns the table reads, in its order (answers and the entrant's account apart):
# plain columns, not ORM objects, so a row costs no identity map or attribute machinery.
_READ: tuple[Any, ...] = (
    col(Entry.id),
    col(Entry.reference),
    col(Entry.status),
    col(Entry.eligibility),
    col(Entry.eligibility_reason),
    col(Entry.channel),
    col(Entry.category),
    col(Entry.language),
    col(Entry.title),
    col(Entry.summary),
    col(Entry.licence),
    col(Entry.answers),
    col(Entry.owner_id),
    User.display_name,
    User.email,
    col(Entry.submitter_name),
    col(Entry.submitter_contact),
    col(Entry.created_at),
    col(Entry.submitted_at),
    col(Entry.updated_at),
    col(Entry.withdrawn_at),
)


def stream(session: Session, query: Any) -> Iterator[Sequence[Any]]:
    """The rows of `query`, read in batches of BATCH.

    On PostgreSQL they come straight from a server-side cursor of the driver: SQLAlchemy's
    processing of each value (time zones, enums, JSON) would double the export's reading
    time, and cell() writes what psycopg gives exactly as it writes the processed values
    (any aware time in UTC, an enum's text as its value). JSON that SQLAlchemy's dialect
    leaves as text is decoded by the caller (`_json`)."""
    connection = session.connection()  # begins the transaction a named cursor needs
    if connection.dialect.name != "postgresql":
        yield from session.execute(query.execution_options(yield_per=BATCH))
        return
    compiled = query.compile(dialect=connection.dialect)
    driver = connection.connection.driver_connection
    assert driver is not None
    connection.exec_driver_sql("SET LOCAL TimeZone = 'UTC'")  # for UtcText, this read only
    # The whole table is read: plan the cursor for all its rows, not the first tenth.
    connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    with driver.cursor(name=f"export_{secrets.token_hex(6)}") as cursor:
        cursor.adapters.register_loader("timestamptz", UtcText)
        cursor.itersize = BATCH
        cursor.execute(str(compiled), compiled.params)
        yield from cursor


class UtcText(Loader):
    """A PostgreSQL timestamptz, sent as text in UTC ('2026-03-01 09:30:00.5+00'), read as
    the cell cell() would write for it ('2026-03-01T09:30:00.500000Z') without making a
    datetime: the fraction padded to microseconds, as isoformat() gives it."""

    def load(self, data: Buffer) -> str:
        text = bytes(data).decode()
        if not text.endswith("+00"):  # not UTC after all: go the long way
            return cell(datetime.fromisoformat(text))
        body = text[:-3]
        if len(body) > 19:
            body = body.ljust(26, "0")
        return f"{body[:10]}T{body[11:]}Z"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def rows(engine: Engine, challenge_id: int, fields: list[FormField]) -> Iterator[list[Any]]:
    """The table's rows, entry by entry, in entry order. Entries and their files are read
    in two ordered streams merged here, in batches, so memory stays flat."""
    country_key = next((f.key for f in fields if f.type == FieldType.country), None)
    countries = by_iso2()
    questions = [(f.key, FieldType(f.type)) for f in fields]  # plain values, read per row
    with Session(engine) as session:
        entries = stream(
            session,
            select(*_READ)
            .outerjoin(User, col(User.id) == col(Entry.owner_id))
            .where(col(Entry.challenge_id) == challenge_id)
            .order_by(col(Entry.id)),
        )
        files = stream(
            session,
            select(
                col(StoredFile.entry_id), col(StoredFile.field_key), col(StoredFile.original_name)
            )
            .join(Entry, col(Entry.id) == col(StoredFile.entry_id))
            .where(col(Entry.challenge_id) == challenge_id, col(StoredFile.field_key).is_not(None))
            .order_by(col(StoredFile.entry_id), col(StoredFile.id)),
        )
        pending = next(files, None)
        for row in entries:
            entry_id, answers = row[0], _json(row[11])
            attached: dict[str, list[str]] = {}
            while pending is not None and (pending[0] or 0) < entry_id:
                pending = next(files, None)
            while pending is not None and pending[0] == entry_id:
                attached.setdefault(pending[1] or "", []).append(pending[2])
                pending = next(files, None)
            iso2 = answers.get(country_key) if country_key else None
            country = countries.get(iso2) if isinstance(iso2, str) else None
            yield [
                *row[:11],
                iso2 if country else None,
                country.income_group if country else None,
                *row[12:],
                *(
                    _answer(kind, answers.get(key), attached.get(key, []))
                    for key, kind in questions
                ),
            ]
