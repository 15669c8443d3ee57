"""Importing entries from a CSV file: entries that came through the offline channels (a paper
drop box typed into a spreadsheet, a form tool used before) become submitted entries at once.

Stateless: the preview and the import read the same file the same way, so the import
writes what the preview showed. Each row is checked as a web entry is when submitted (the
same `entry_problems` and `check_answer`, the same blocking eligibility rules), and an
import is all or nothing: if any row has a problem, nothing is written.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlmodel import Session

from app.audit.service import record
from app.challenges.access import ChallengeAccess
from app.challenges.form import fields_at
from app.challenges.phase import taking_offline_entries
from app.core.db import utcnow
from app.core.errors import Conflict, Unprocessable
from app.entries.import_csv import CsvTable, read_table
from app.entries.import_fields import (
    ANSWER,
    Target,
    answer_value,
    check_mapping,
    suggest_mapping,
    targets_for,
    yes_no,
)
from app.entries.rules import blocking_problems, evaluate_all
from app.entries.schemas import (
    ImportedEntry,
    ImportPreview,
    ImportProblem,
    ImportResult,
    ImportRow,
    ImportSkipped,
    ImportTarget,
)
from app.entries.service import offline_closed, take_references
from app.entries.validation import entry_problems
from app.entries.views import entry_snapshot
from app.models import Challenge, Channel, Entry, EntryRevision, EntryStatus, FormField

PREVIEW_ROWS = 50
_BOUNDED = re.compile(r"at (most|least)|on or (after|before)|eligibility rule|once")


@dataclass(frozen=True)
class ImportFile:
    name: str  # as the uploader's device named it, cleaned
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ParsedEntry:
    """One row as the entry it becomes."""

    row: int
    values: dict[str, Any]  # by target, for the preview
    title: str
    summary: str
    category: str | None
    language: str | None
    answers: dict[str, Any]
    submitter_name: str
    submitter_contact: str | None
    rule_outcomes: list[dict[str, Any]]


@dataclass
class Analysis:
    table: CsvTable
    mapping: dict[str, str | None]
    targets: list[Target]
    skipped: list[ImportSkipped]
    entries: list[ParsedEntry]
    errors: list[ImportProblem]
    form_version: int


def _explain(message: str, target: Target, cell: str) -> str:
    """A shared check's message, with how to write the cell."""
    if not cell:
        return f"{message}, and this cell is empty: write {target.hint}."
    if _BOUNDED.search(message) or target.hint in message:
        return f"{message}."
    return f"{message}: write {target.hint}."


def _target_of(problem_field: str) -> str:
    """An entry problem's field ("answers.country", "licence_accepted") as a target."""
    if problem_field.startswith("answers."):
        return ANSWER + problem_field.removeprefix("answers.")
    return "licence" if problem_field == "licence_accepted" else problem_field


def _pick(text: str, allowed: list[str]) -> str | None:
    """A category or language as the call spells it (any case), else as typed."""
    folded = {a.casefold(): a for a in allowed}
    return folded.get(text.casefold(), text) if text else None


def _read_row(
    number: int,
    cells: list[str],
    mapped: dict[str, tuple[str, int]],
    by_key: dict[str, Target],
    challenge: Challenge,
    fields: list[FormField],
    decimal_comma: bool,
    today: date,
) -> tuple[ParsedEntry, list[ImportProblem]]:
    """One row as an entry, and its problems: at most one per mapped field, none for a
    field no column fills (the mapping's own problems say so once)."""
    cell = {key: (cells[i].strip() if i < len(cells) else "") for key, (_, i) in mapped.items()}
    problems: dict[str, ImportProblem] = {}

    def add(key: str, message: str, explain: bool = True) -> None:
        if key in mapped and key not in problems:
            text = _explain(message, by_key[key], cell[key]) if explain else message
            problems[key] = ImportProblem(
                row=number, column=mapped[key][0], field=key, message=text
            )

    def text(key: str) -> str:
        return cell.get(key, "")

    for key in ("title", "summary", "submitter_name", "submitter_contact"):
        limit = by_key[key].max_length if key in by_key else None
        if limit is not None and len(text(key)) > limit:
            add(key, f"must be at most {limit:,} characters")
    if not text("submitter_name"):
        add("submitter_name", "is required")
    licence = yes_no(text("licence"), challenge.licence.value)
    if isinstance(licence, str):
        add("licence", "must be yes or no")
    elif licence is not True:
        add(
            "licence",
            f"must be yes: entries are shared under {challenge.licence.value}, and only those "
            "whose entrant agreed to that can be imported.",
            explain=False,
        )
    answers: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for key in mapped:
        field = by_key[key].field
        if field is not None:
            value = answer_value(field, cell[key], decimal_comma)
            if value is not None:
                answers[field.key] = value
            values[key] = value
    category = _pick(text("category"), challenge.categories)
    language = _pick(text("language"), challenge.languages)
    for problem in entry_problems(
        challenge,
        fields,
        title=text("title"),
        summary=text("summary"),
        category=category,
        language=language,
        answers=answers,
        team=[],
        licence_accepted=licence is True,
        files_by_field={},
    ):
        add(_target_of(problem.field), problem.message)
    outcomes = evaluate_all(challenge.eligibility_rules, answers, today)
    for problem in blocking_problems(outcomes):
        add(_target_of(problem.field), problem.message)
    fixed = {
        "title": text("title"),
        "summary": text("summary"),
        "category": category,
        "language": language,
        "submitter_name": text("submitter_name"),
        "submitter_contact": text("submitter_contact") or None,
        "licence": licence,
    }
    values.update({key: value for key, value in fixed.items() if key in mapped})
    entry = ParsedEntry(
        row=number,
        values={key: values[key] for key in mapped},
        title=text("title"),
        summary=text("summary"),
        category=category,
        language=language,
        answers=answers,
        submitter_name=text("submitter_name"),
        submitter_contact=text("submitter_contact") or None,
        rule_outcomes=[o.model_dump() for o in outcomes],
    )
    return entry, list(problems.values())


def analyse(
    session: Session,
    challenge: Challenge,
    file: ImportFile,
    mapping: dict[str, str | None] | None,
    max_rows: int,
) -> Analysis:
    """Read, map and check the whole file; every problem is listed, none is raised."""
    assert challenge.id is not None
    form_version = challenge.form_version
    table = read_table(file.data, max_rows)
    fields = fields_at(session, challenge.id)
    targets, skipped = targets_for(challenge, fields)
    if mapping is None:
        mapping = suggest_mapping(table.columns, targets)
    errors = [*table.problems, *check_mapping(mapping, table.columns, targets, skipped, fields)]
    by_key = {t.key: t for t in targets}
    mapped: dict[str, tuple[str, int]] = {}  # target → (column, position), first column only
    for column in table.columns:
        key = mapping.get(column.name)
        if key in by_key and key not in mapped:
            mapped[key] = (column.name, column.index)
    misshapen = {p.row for p in table.problems if p.row != 1}
    today = utcnow().astimezone(UTC).date()
    entries = []
    for number, cells in table.rows:
        entry, problems = _read_row(
            number, cells, mapped, by_key, challenge, fields, table.delimiter == ";", today
        )
        entries.append(entry)
        if number not in misshapen:  # its cells may sit under the wrong headers
            errors += problems
    order = {column.name: column.index for column in table.columns}
    errors.sort(key=lambda p: (p.row or 0, order.get(p.column or "", -1)))
    return Analysis(
        table=table,
        mapping={column.name: mapping.get(column.name) for column in table.columns},
        targets=targets,
        skipped=skipped,
        entries=entries,
        errors=errors,
        form_version=form_version,
    )


def _samples(table: CsvTable) -> dict[str, str]:
    samples: dict[str, str] = {}
    for column in table.columns:
        for _, cells in table.rows:
            value = cells[column.index].strip() if column.index < len(cells) else ""
            if value:
                samples[column.name] = value if len(value) <= 80 else value[:79] + "…"
                break
    return samples


def preview(
    session: Session,
    access: ChallengeAccess,
    file: ImportFile,
    mapping: dict[str, str | None] | None,
    max_rows: int,
) -> ImportPreview:
    """What importing this file would do: the mapping, the first rows as they would be
    stored, and every problem with its row, column and fix. Writes nothing."""
    access.need_organiser()
    challenge = access.challenge
    analysis = analyse(session, challenge, file, mapping, max_rows)
    now = utcnow()
    return ImportPreview(
        file_name=file.name,
        sha256=file.sha256,
        delimiter=analysis.table.delimiter,
        columns=[column.name for column in analysis.table.columns],
        samples=_samples(analysis.table),
        mapping=analysis.mapping,
        targets=[
            ImportTarget(key=t.key, label=t.label, required=t.required, hint=t.hint)
            for t in analysis.targets
        ],
        not_importable=analysis.skipped,
        row_count=len(analysis.entries),
        rows=[ImportRow(row=e.row, values=e.values) for e in analysis.entries[:PREVIEW_ROWS]],
        errors=analysis.errors,
        import_blocked=None
        if taking_offline_entries(challenge, now)
        else offline_closed(challenge, now).message,
    )


def _refusal(errors: list[ImportProblem]) -> Unprocessable:
    first = errors[0]
    where = ", ".join(
        part
        for part in (
            f"Row {first.row}" if first.row else "",
            f"column “{first.column}”" if first.column else "",
        )
        if part
    )
    rows = len({p.row for p in errors})
    return Unprocessable(
        f"Nothing was imported: {len(errors)} problem{'s' if len(errors) != 1 else ''} in "
        f"{rows} row{'s' if rows != 1 else ''} of the file. "
        + (f"{where}: {first.message}" if where else first.message),
        field=first.field,
        code="import_invalid",
        details=[p.model_dump() for p in errors],
    )


def import_entries(
    session: Session,
    access: ChallengeAccess,
    file: ImportFile,
    mapping: dict[str, str | None],
    channel: Channel,
    max_rows: int,
) -> ImportResult:
    """Every row becomes a submitted entry, as one taken on someone's behalf and then
    submitted would be: no owner, created by the organiser, the channel and the submitter
    recorded, the next references, a revision, the rule outcomes, screening pending. All in
    one transaction, or nothing (422 listing every problem). Taken until judging starts.
    No receipt is mailed: entrants from offline channels have no account to mail, and
    staff hand them their reference."""
    user = access.need_organiser()
    challenge = access.challenge
    assert challenge.id is not None and user.id is not None
    analysis = analyse(session, challenge, file, mapping, max_rows)
    if analysis.errors:
        raise _refusal(analysis.errors)
    try:
        references = take_references(session, challenge, len(analysis.entries))
        session.refresh(challenge)
        now = utcnow()
        if not taking_offline_entries(challenge, now):
            raise offline_closed(challenge, now)
        if challenge.form_version != analysis.form_version:
            raise Conflict(
                "The entry form changed while the file was being checked: preview it again.",
                code="form_changed",
            )
        entries = [
            Entry(
                challenge_id=challenge.id,
                reference=reference,
                owner_id=None,
                created_by_id=user.id,
                channel=channel,
                submitter_name=parsed.submitter_name,
                submitter_contact=parsed.submitter_contact,
                title=parsed.title,
                summary=parsed.summary,
                category=parsed.category,
                language=parsed.language,
                answers=parsed.answers,
                form_version=challenge.form_version,
                licence_accepted=True,
                licence=challenge.licence.value,
                status=EntryStatus.submitted,
                rule_outcomes=parsed.rule_outcomes,
                created_at=now,
                updated_at=now,
                submitted_at=now,
            )
            for parsed, reference in zip(analysis.entries, references, strict=True)
        ]
        session.add_all(entries)
        session.flush()
        imported = []
        for parsed, entry, reference in zip(analysis.entries, entries, references, strict=True):
            assert entry.id is not None
            imported.append(ImportedEntry(row=parsed.row, id=entry.id, reference=reference))
            session.add(
                EntryRevision(
                    entry_id=entry.id,
                    number=1,
                    kind="submit",
                    author_id=user.id,
                    snapshot=entry_snapshot(entry, [], []),
                )
            )
            record(
                session,
                actor=user,
                action="entry.submit",
                object_type="entry",
                object_id=entry.id,
                challenge_id=challenge.id,
                after={"status": "submitted", "reference": reference, "channel": channel},
                reason=f"Imported from {file.name}, row {parsed.row}",
            )
        record(
            session,
            actor=user,
            action="entries.import",
            object_type="challenge",
            object_id=challenge.id,
            challenge_id=challenge.id,
            after={
                "count": len(entries),
                "channel": channel,
                "file_name": file.name,
                "sha256": file.sha256,
                "references": [references[0], references[-1]],
            },
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ImportResult(imported=len(imported), channel=channel, entries=imported)
