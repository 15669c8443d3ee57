"""What an import's columns can fill (its targets), how columns are mapped to them, and how a
cell's text becomes the value a web entry would hold for that field.

A cell that cannot be read as its field's kind is kept as typed, so the one check every
entry goes through (`check_answer`, `entry_problems`) names the problem, exactly as it
would for a web entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from annotated_types import MaxLen
from pydantic import BaseModel

from app.challenges.countries import countries
from app.entries.import_csv import Column
from app.entries.schemas import EntryUpdate, ImportProblem, ImportSkipped, OnBehalfIn
from app.models import Challenge, FieldType, FormField

ANSWER = "answer:"
YES = frozenset({"yes", "y", "true", "1", "x", "✓", "✔", "ticked", "agreed", "accepted"})
NO = frozenset({"no", "n", "false", "0", "not ticked", "not agreed"})


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    required: bool
    hint: str
    field: FormField | None = None
    max_length: int | None = None
    aliases: tuple[str, ...] = ()  # other headers that suggest it, after exact names


def _max_length(model: type[BaseModel], name: str) -> int:
    """The limit the web's request models put on a field: one source for both ways in."""
    for rule in model.model_fields[name].metadata:
        if isinstance(rule, MaxLen):
            return rule.max_length
    raise LookupError(name)


def _hint(field: FormField, required: bool) -> str:
    cfg, kind = field.config, field.type
    if kind == FieldType.short_text:
        return f"text, at most {cfg.get('max_length', 300)} characters"
    if kind == FieldType.long_text:
        return f"text, at most {cfg['max_words']} words" if cfg.get("max_words") else "text"
    if kind == FieldType.number:
        hint = "a whole number" if cfg.get("integer") else "a number such as 12.5"
        if cfg.get("min") is not None and cfg.get("max") is not None:
            hint += f" from {cfg['min']:g} to {cfg['max']:g}"
        return hint
    if kind == FieldType.choice:
        return "one of: " + ", ".join(cfg["choices"])
    if kind == FieldType.multi_choice:
        return "one or more of: " + ", ".join(cfg["choices"]) + " (separated by ;)"
    if kind == FieldType.url:
        return "a web address starting with https://"
    if kind == FieldType.email:
        return "an e-mail address such as name@example.org"
    if kind == FieldType.date:
        return "a date as YYYY-MM-DD"
    if kind == FieldType.country:
        return "a country's name or its two-letter code, such as NG"
    if kind == FieldType.checkbox:
        return "yes" if required else "yes or no"
    if kind == FieldType.money:
        return f"an amount in {cfg['currency']}, such as 1250.50"
    return "text"


def targets_for(
    challenge: Challenge, fields: list[FormField]
) -> tuple[list[Target], list[ImportSkipped]]:
    """The entry's own fields, then every current question except file questions."""
    licence = challenge.licence.value
    targets = [
        Target(
            "title", "Title", True, "the entry's title", None, _max_length(EntryUpdate, "title")
        ),
        Target(
            "summary",
            "Summary",
            True,
            "a short summary of the entry",
            None,
            _max_length(EntryUpdate, "summary"),
        ),
    ]
    if challenge.categories:
        targets.append(
            Target("category", "Category", True, "one of: " + ", ".join(challenge.categories))
        )
    if challenge.languages:
        targets.append(
            Target("language", "Language", True, "one of: " + ", ".join(challenge.languages))
        )
    targets += [
        Target(
            "submitter_name",
            "Submitter's name",
            True,
            "the name of the person who sent the entry",
            None,
            _max_length(OnBehalfIn, "submitter_name"),
            ("name", "submitter", "full name", "entrant"),
        ),
        Target(
            "submitter_contact",
            "Submitter's contact",
            False,
            "an e-mail address, phone number or postal address",
            None,
            _max_length(OnBehalfIn, "submitter_contact"),
            ("contact", "phone", "email", "e-mail"),
        ),
        Target(
            "licence",
            "Licence agreed",
            True,
            f"yes, when the entrant agreed to share the entry under {licence}",
            aliases=("licence accepted", "licence_accepted", "license"),
        ),
    ]
    # A blocking eligibility rule refuses every entry whose answer it reads is missing.
    ruled = {r["field"] for r in challenge.eligibility_rules if r.get("enforce") != "flag"}
    skipped = []
    for field in fields:
        if field.type == FieldType.file:
            skipped.append(
                ImportSkipped(
                    key=f"{ANSWER}{field.key}",
                    label=field.label,
                    reason="takes files, which a CSV file cannot carry: attach them on each "
                    "entry's page after the import.",
                )
            )
            continue
        required = field.required or field.key in ruled
        targets.append(
            Target(
                f"{ANSWER}{field.key}",
                field.label,
                required,
                _hint(field, required),
                field,
                aliases=(field.key, f"answer_{field.key}"),
            )
        )
    return targets, skipped


def _norm(text: str) -> str:
    return re.sub(r"[\s_:\-]+", " ", text.casefold()).strip()


def suggest_mapping(columns: list[Column], targets: list[Target]) -> dict[str, str | None]:
    """Each column matched to the target whose key or label it names (case, spaces,
    underscores and dashes aside), then to a target it is a usual name for; each target once."""
    exact: dict[str, str] = {}
    usual: dict[str, str] = {}
    for target in targets:
        own = (target.key, target.label) + (target.aliases if target.field else ())
        for name in own:
            exact.setdefault(_norm(name), target.key)
        if target.field is None:
            for name in target.aliases:
                usual.setdefault(_norm(name), target.key)
    mapping: dict[str, str | None] = dict.fromkeys((c.name for c in columns), None)
    used: set[str] = set()
    for lookup in (exact, usual):
        for column in columns:
            key = lookup.get(_norm(column.name))
            if mapping[column.name] is None and key is not None and key not in used:
                mapping[column.name] = key
                used.add(key)
    return mapping


def check_mapping(
    mapping: dict[str, str | None],
    columns: list[Column],
    targets: list[Target],
    skipped: list[ImportSkipped],
    fields: list[FormField],
) -> list[ImportProblem]:
    """Every problem of the mapping itself, each reported once (as on the header, row 1)."""
    by_key = {t.key: t for t in targets}
    names = {c.name for c in columns}
    cannot = {s.key for s in skipped}
    problems: list[ImportProblem] = []

    def add(column: str | None, field: str | None, message: str) -> None:
        problems.append(ImportProblem(row=1, column=column, field=field, message=message))

    first: dict[str, str] = {}
    for column, key in mapping.items():
        if key is None:
            continue
        if column not in names:
            add(column, key, f"the file has no column named “{column}”: map this file's columns.")
        elif key in cannot:
            add(column, key, "takes files, which a CSV file cannot carry: leave this column out.")
        elif key not in by_key:
            add(column, key, f"“{key}” is not a field of this call's entries: choose a target.")
        elif key in first:
            add(
                column,
                key,
                f"column “{first[key]}” is mapped to {by_key[key].label} already: map one "
                "column to each field.",
            )
        else:
            first[key] = column
    for target in targets:
        if target.required and target.key not in first:
            add(
                None,
                target.key,
                f"{target.label} is needed for every entry, and no column is mapped to it: "
                "map a column to it (add one to the file if it has none).",
            )
    for field in fields:
        if field.type == FieldType.file and field.required:
            add(
                None,
                f"{ANSWER}{field.key}",
                f"{field.label} is a required file question, and a CSV file cannot carry "
                "files: take these entries one by one on the entries page instead.",
            )
    return problems


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    """ISO 3166 alpha-2, alpha-3 and the World Bank's name, each to alpha-2."""
    codes: dict[str, str] = {}
    for c in countries():
        for name in (c.iso2, c.iso3, c.name):
            codes[name.casefold()] = c.iso2
    return codes


def parse_number(text: str, decimal_comma: bool) -> int | float | None:
    """12, -3, 12.5; thousands grouped by spaces or by the other separator (1,250.5 or, in a
    semicolon file written by a comma-decimal locale, 1.250,5 and 12,5)."""
    value = re.sub(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?:\D|$))", "", text.strip())
    group, point = (".", ",") if decimal_comma else (",", ".")
    if re.fullmatch(rf"[-+]?\d{{1,3}}(?:\{group}\d{{3}})+(?:\{point}\d+)?", value):
        value = value.replace(group, "")
    value = value.replace(",", ".") if decimal_comma else value
    if not re.fullmatch(r"[-+]?\d+(?:\.\d+)?", value):
        return None
    return float(value) if "." in value else int(value)


def _choice(text: str, choices: list[str]) -> str:
    folded = {c.casefold(): c for c in choices}
    return folded.get(text.casefold(), text)


def _money(text: str, currency: str, decimal_comma: bool) -> dict[str, Any] | str:
    """1250.50, GBP 1250.50 or 1250.50 GBP as an amount with its currency."""
    match = re.fullmatch(r"([A-Za-z]{3})?\s*(.*?)\s*([A-Za-z]{3})?", text)
    assert match is not None  # the pattern matches any text
    amount = parse_number(match.group(2), decimal_comma)
    if amount is None:
        return text
    return {"amount": amount, "currency": (match.group(1) or match.group(3) or currency).upper()}


def yes_no(text: str, also_yes: str | None = None) -> bool | str | None:
    """True, False, None for an empty cell, or the text as typed when it is neither."""
    folded = text.strip().casefold()
    if not folded:
        return None
    if folded in YES or (also_yes is not None and folded == also_yes.casefold()):
        return True
    return False if folded in NO else text


def answer_value(field: FormField, text: str, decimal_comma: bool) -> Any:
    """The answer a web entry would hold for this cell, or the text as typed when it cannot
    be read as the question's kind (so the shared check names the problem); None if empty."""
    text = text.strip()
    if not text:
        return None
    kind, cfg = field.type, field.config
    if kind == FieldType.number:
        number = parse_number(text, decimal_comma)
        return text if number is None else number
    if kind == FieldType.choice:
        return _choice(text, cfg["choices"])
    if kind == FieldType.multi_choice:
        picked = [_choice(part.strip(), cfg["choices"]) for part in text.split(";")]
        return [p for p in picked if p] or None
    if kind == FieldType.country:
        return _country_codes().get(text.casefold(), text)
    if kind == FieldType.checkbox:
        return yes_no(text)
    if kind == FieldType.money:
        return _money(text, cfg["currency"], decimal_comma)
    if kind == FieldType.date:
        # Spreadsheets may write a date formatted as a date and time at midnight.
        day = re.sub(r"^(\d{4}-\d{2}-\d{2})[T ]00:00(?::00)?$", r"\1", text)
        try:
            return date.fromisoformat(day).isoformat()
        except ValueError:
            return text
    return text
