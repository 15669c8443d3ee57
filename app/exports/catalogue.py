"""All the export tables of a call in one place: the ones that need only the challenge, the
codebook that describes every column of every table, and the bundle that holds them all."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from stream_zip import ZIP_64, stream_zip

from app.core.db import utcnow
from app.exports import entries, judging, people, votes
from app.exports.csvfile import csv_chunks
from app.models import FormField

# The tables whose rows need only the challenge: (columns, rows, what the route says).
TABLES = {
    "participants": (
        people.PARTICIPANTS,
        people.participants,
        "Every entrant and teammate, one row per person per entry (organisers).",
    ),
    "scorecards": (
        judging.SCORECARDS,
        judging.scorecards,
        "One row per scorecard and criterion: the raw value, or N/A (organisers).",
    ),
    "scores": (
        judging.SCORES,
        judging.scores,
        "Each entry's statistics per round, with rank and advancement (organisers).",
    ),
    "judges": (
        judging.JUDGES,
        judging.judges,
        "The panel: perspective tags, languages, load and scorecards done (organisers).",
    ),
    "conflicts": (
        judging.CONFLICTS,
        judging.conflicts,
        "The conflict register: recorded, declared and detected (organisers).",
    ),
    "results": (
        people.RESULTS,
        people.results_rows,
        "The final ranking as it stands now, in the published table's shape (organisers).",
    ),
    "awards": (people.AWARDS, people.awards, "Every award given (organisers)."),
    "audit": (
        people.AUDIT,
        people.audit,
        "The call's audit log: who did what, when, what changed and why (organisers).",
    ),
}

CODEBOOK = ("table", "column", "type", "meaning")

# The anonymised variant of each table that has one, to share with researchers: the columns
# left out (names, e-mail addresses, affiliations, and free text where people tend to name
# people), and the entrant's account column that becomes their pseudonym. The votes table
# names no one already (voters are pseudonyms); the audit log names people throughout and has
# no anonymised variant.
ANONYMISED: dict[str, tuple[frozenset[str], str | None]] = {
    "participants": (frozenset({"name", "email"}), "user_id"),
    "scorecards": (frozenset({"judge_name"}), None),
    "scores": (frozenset(), None),
    "judges": (frozenset({"name", "email", "affiliation"}), None),
    "conflicts": (frozenset({"judge_name", "reason"}), None),
    "results": (frozenset(), None),
    "awards": (frozenset({"override_reason"}), None),
}


def anonymised_names() -> list[str]:
    """The tables with an anonymised variant, in bundle order."""
    return ["entries", "votes", *ANONYMISED, "codebook"]


def _anonymise(
    table: str,
    columns: tuple[entries.Column, ...],
    rows: Iterator[list[Any]] | Iterator[tuple[Any, ...]],
    *,
    secret_key: str,
    challenge_id: int,
) -> tuple[list[entries.Column], Iterator[list[Any]]]:
    drop, person = ANONYMISED[table]
    keep = [i for i, c in enumerate(columns) if c.name not in drop]
    at = next((i for i, c in enumerate(columns) if c.name == person), None)

    def shared() -> Iterator[list[Any]]:
        for row in rows:
            out = list(row)
            if at is not None and out[at] is not None:
                out[at] = entries.pseudonym(secret_key, challenge_id, out[at])
            yield [out[i] for i in keep]

    kept = [entries.PARTICIPANT if i == at else columns[i] for i in keep]
    return kept, shared()


def codebook_rows(fields: list[FormField]) -> list[tuple[str, ...]]:
    """Every column of every table (the entries' answer columns from this call's form)."""
    full = entries.columns(fields)
    shared = entries.anonymised_columns(full, fields)
    return [
        *(("entries", c.name, c.type, c.meaning) for c in full),
        *(("entries-anonymised", c.name, c.type, c.meaning) for c in shared),
        *(("votes", c.name, c.type, c.meaning) for c in votes.COLUMNS),
        *(
            (table, c.name, c.type, c.meaning)
            for table, (columns, _rows, _doc) in TABLES.items()
            for c in columns
        ),
        *(
            (f"{table}-anonymised", c.name, c.type, c.meaning)
            for table, (drop, person) in ANONYMISED.items()
            for c in TABLES[table][0]
            if c.name not in drop and c.name != person
        ),
    ]


def bundle(
    engine: Engine,
    challenge_id: int,
    fields: list[FormField],
    *,
    secret_key: str,
    methods: str,
    anonymised: bool = False,
) -> Iterator[bytes]:
    """Every table, the codebook and the methods text in one ZIP, with SHA256SUMS (in the
    format `sha256sum -c` reads) last. Streamed: each file is written as its rows are read,
    and hashed on the way. `anonymised`: each table's anonymised variant, and no audit log."""
    now = utcnow()
    sums: list[str] = []

    def member(name: str, chunks: Iterator[bytes]) -> tuple[str, datetime, int, Any, Any]:
        def content() -> Iterator[bytes]:
            digest = hashlib.sha256()
            for chunk in chunks:
                digest.update(chunk)
                yield chunk
            sums.append(f"{digest.hexdigest()}  {name}\n")

        return (name, now, 0o644, ZIP_64, content())

    def checksums() -> Iterator[bytes]:
        # Read only once every member before it has been written out whole.
        yield "".join(sums).encode()

    def members() -> Iterator[tuple[str, datetime, int, Any, Any]]:
        for table in anonymised_names() if anonymised else table_names():
            chunks = table_chunks(
                engine,
                challenge_id,
                fields,
                table,
                secret_key=secret_key,
                anonymised=anonymised and table not in ("votes", "codebook"),
            )
            yield member(f"{table}.csv", chunks)
        yield member("methods.txt", iter([methods.encode()]))
        yield ("SHA256SUMS", now, 0o644, ZIP_64, checksums())

    yield from stream_zip(members())


def table_names() -> list[str]:
    return ["entries", "votes", *TABLES, "codebook"]


def table_chunks(
    engine: Engine,
    challenge_id: int,
    fields: list[FormField],
    table: str,
    *,
    secret_key: str,
    anonymised: bool = False,
    bom: bool = False,
) -> Iterator[bytes]:
    """One table of a call, by name, as streamed CSV (what its download route sends)."""
    if anonymised and table not in ("entries", *ANONYMISED):
        raise ValueError(f"the {table} table has no anonymised variant")
    if table == "entries":
        columns = entries.columns(fields)
        rows = entries.rows(engine, challenge_id, fields)
        if anonymised:
            columns, rows = entries.anonymised(
                columns, fields, rows, secret_key=secret_key, challenge_id=challenge_id
            )
        return csv_chunks([c.name for c in columns], rows, bom=bom)
    if table == "votes":
        rows = votes.rows(engine, challenge_id, secret_key)
        return csv_chunks([c.name for c in votes.COLUMNS], rows, bom=bom)
    if table == "codebook":
        return csv_chunks(CODEBOOK, codebook_rows(fields), bom=bom)
    columns_of, rows_of, _doc = TABLES[table]
    if anonymised:
        kept, shared = _anonymise(
            table,
            columns_of,
            rows_of(engine, challenge_id),
            secret_key=secret_key,
            challenge_id=challenge_id,
        )
        return csv_chunks([c.name for c in kept], shared, bom=bom)
    return csv_chunks([c.name for c in columns_of], rows_of(engine, challenge_id), bom=bom)
