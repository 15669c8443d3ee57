"""Declared eligibility rules, evaluated against an entry's answers.

A rule with `enforce: block` stops a submission that fails it; one with `enforce: flag`
only marks the entry for the screeners. Either way the rule and its outcome are stored on
the entry and shown on it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.challenges.countries import by_iso2
from app.entries.schemas import Problem, RuleOutcome

DESCRIBE = {
    "country_in": "country is one of the eligible countries",
    "income_group_in": "country is in an eligible World Bank income group",
    "amount_max": "amount is within the cap",
    "consent_required": "consent is given",
    "min_age": "age is at least the minimum",
}


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def evaluate(rule: dict[str, Any], answers: dict[str, Any], today: date) -> RuleOutcome:
    kind, key = rule["kind"], rule["field"]
    value = answers.get(key)
    label = rule.get("label") or f"{key}: {DESCRIBE[kind]}"
    passed: bool | None
    if value is None or value == "":
        passed, detail = None, "not answered"
    elif kind == "country_in":
        passed = value in rule["countries"]
        detail = f"{value}"
    elif kind == "income_group_in":
        country = by_iso2().get(value) if isinstance(value, str) else None
        group = country.income_group if country else None
        passed = group in rule["groups"] if group else False
        detail = f"{value}: {group or 'no income group'}"
    elif kind == "amount_max":
        amount = value.get("amount") if isinstance(value, dict) else value
        passed = (
            isinstance(amount, int | float)
            and not isinstance(amount, bool)
            and amount <= rule["max"]
        )
        detail = f"{amount} (cap {rule['max']:g})"
    elif kind == "consent_required":
        passed = value is True
        detail = "given" if passed else "not given"
    else:  # min_age: an age in years, or a date of birth
        if isinstance(value, int | float) and not isinstance(value, bool):
            age: int | None = int(value)
        else:
            try:
                age = _age_on(date.fromisoformat(str(value)), today)
            except ValueError:
                age = None
        passed = age is not None and age >= rule["min"]
        detail = f"age {age}" if age is not None else "not a date or age"
    return RuleOutcome(
        kind=kind,
        field=key,
        label=label,
        enforce=rule.get("enforce", "block"),
        passed=passed,
        detail=detail,
    )


def evaluate_all(
    rules: list[dict[str, Any]], answers: dict[str, Any], today: date
) -> list[RuleOutcome]:
    return [evaluate(rule, answers, today) for rule in rules]


def blocking_failures(outcomes: list[RuleOutcome]) -> list[RuleOutcome]:
    """Rules that stop a submission: block rules that failed or could not be checked."""
    return [o for o in outcomes if o.enforce == "block" and o.passed is not True]


def blocking_problems(outcomes: list[RuleOutcome]) -> list[Problem]:
    """The blocking failures as problems of the answers they read."""
    return [
        Problem(
            field=f"answers.{o.field}", message=f"does not meet the eligibility rule: {o.label}"
        )
        for o in blocking_failures(outcomes)
    ]
