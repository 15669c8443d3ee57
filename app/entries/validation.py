"""What an entry must satisfy before it is submitted: one check, used by submit, by edits
of submitted entries, and to show a draft's remaining problems."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email

from app.challenges.countries import by_iso2
from app.entries.schemas import Problem
from app.models import Challenge, FieldType, FormField

URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


# However many words a question allows, an answer past this many characters is not one a
# person wrote (a 500-word answer is about 3,500): a draft keeps it and lists it as a problem.
LONG_TEXT_MAX_CHARACTERS = 50_000


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _words(text: str) -> int:
    return len(text.split())


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def check_answer(field: FormField, value: Any, files: int) -> str | None:
    """The problem with one answer, or None. `files` counts the field's uploaded files."""
    cfg = field.config
    kind = field.type
    if kind == FieldType.file:
        if field.required and files == 0:
            return "is required: upload a file"
        if files > cfg.get("max_files", 1):
            return f"takes at most {cfg.get('max_files', 1)} files"
        return None
    if kind == FieldType.checkbox:
        if value is not None and not isinstance(value, bool):
            return "must be ticked or not (true or false)"
        if field.required and value is not True:
            return "must be ticked"
        return None
    if _empty(value):
        return "is required" if field.required else None
    if kind in (FieldType.short_text, FieldType.long_text):
        if not isinstance(value, str):
            return "must be text"
        if kind == FieldType.short_text and len(value) > cfg.get("max_length", 300):
            return f"must be at most {cfg.get('max_length', 300)} characters"
        if kind == FieldType.long_text and len(value) > LONG_TEXT_MAX_CHARACTERS:
            return f"must be at most {LONG_TEXT_MAX_CHARACTERS:,} characters"
        if (
            kind == FieldType.long_text
            and cfg.get("max_words")
            and _words(value) > cfg["max_words"]
        ):
            return f"must be at most {cfg['max_words']} words (it has {_words(value)})"
        return None
    if kind == FieldType.number:
        number = _number(value)
        if number is None:
            return "must be a number"
        if cfg.get("integer") and not number.is_integer():
            return "must be a whole number"
        if cfg.get("min") is not None and number < cfg["min"]:
            return f"must be at least {cfg['min']:g}"
        if cfg.get("max") is not None and number > cfg["max"]:
            return f"must be at most {cfg['max']:g}"
        return None
    if kind == FieldType.choice:
        return (
            None
            if isinstance(value, str) and value in cfg["choices"]
            else "must be one of the choices"
        )
    if kind == FieldType.multi_choice:
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v in cfg["choices"] for v in value
        ):
            return "must be a list of the choices"
        if len(set(value)) != len(value):
            return "lists each choice once"
        if cfg.get("max_choices") and len(value) > cfg["max_choices"]:
            return f"takes at most {cfg['max_choices']} choices"
        return None
    if kind == FieldType.url:
        ok = isinstance(value, str) and len(value) <= 2000 and URL_RE.match(value)
        return None if ok else "must be a web address starting with http:// or https://"
    if kind == FieldType.email:
        try:
            validate_email(str(value), check_deliverability=False)
        except EmailNotValidError:
            return "is not a valid e-mail address (name@example.org)"
        return None
    if kind == FieldType.date:
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            return "must be a date as YYYY-MM-DD"
        if cfg.get("min") and day < date.fromisoformat(cfg["min"]):
            return f"must be on or after {cfg['min']}"
        if cfg.get("max") and day > date.fromisoformat(cfg["max"]):
            return f"must be on or before {cfg['max']}"
        return None
    if kind == FieldType.country:
        return (
            None
            if isinstance(value, str) and value in by_iso2()
            else "must be a country from the list"
        )
    if kind == FieldType.money:
        if not isinstance(value, dict):
            return "must be an amount with its currency"
        amount = _number(value.get("amount"))
        if amount is None or amount < 0:
            return "must be an amount of 0 or more"
        if value.get("currency") != cfg["currency"]:
            return f"must be in {cfg['currency']}"
        if cfg.get("max_amount") is not None and amount > cfg["max_amount"]:
            return f"must be at most {cfg['max_amount']:,.2f} {cfg['currency']}"
        return None
    return None


def entry_problems(
    challenge: Challenge,
    fields: list[FormField],
    *,
    title: str,
    summary: str,
    category: str | None,
    language: str | None,
    answers: dict[str, Any],
    team: list[dict[str, Any]],
    licence_accepted: bool,
    files_by_field: dict[str, int],
) -> list[Problem]:
    """Everything that must change before this entry can be submitted, field by field."""
    problems: list[Problem] = []

    def add(field: str, message: str) -> None:
        problems.append(Problem(field=field, message=message))

    if not title.strip():
        add("title", "is required")
    if not summary.strip():
        add("summary", "is required")
    if challenge.categories and category not in challenge.categories:
        add("category", "must be one of the call's categories" if category else "is required")
    if challenge.languages and language not in challenge.languages:
        add("language", "must be one of the call's languages" if language else "is required")
    if len(team) > challenge.max_team_size:
        add("team", f"may list at most {challenge.max_team_size} members")
    for i, member in enumerate(team):
        email = member.get("email")
        if email:
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                add(f"team.{i}.email", "is not a valid e-mail address")
    for field in fields:
        problem = check_answer(field, answers.get(field.key), files_by_field.get(field.key, 0))
        if problem:
            add(f"answers.{field.key}", problem)
    if not licence_accepted:
        add(
            "licence_accepted",
            f"must be accepted: entries are shared under {challenge.licence.value}",
        )
    return problems
