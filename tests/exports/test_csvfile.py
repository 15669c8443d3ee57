"""The one CSV writer: every dangerous first character escaped, numbers kept numbers, times
in UTC, and awkward text surviving a round trip through Python's csv module."""

from __future__ import annotations

import csv
import enum
import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.exports.csvfile import DANGEROUS_FIRST, cell, csv_text


class Colour(enum.StrEnum):
    red = "red"
    formula = "=1+1"


@pytest.mark.parametrize("first", DANGEROUS_FIRST)
def test_each_dangerous_first_character_is_escaped(first: str) -> None:
    assert cell(f'{first}HYPERLINK("http://x")') == f'\'{first}HYPERLINK("http://x")'
    text = csv_text([f"{first}name"], [[f"{first}1"]])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [[f"'{first}name"], [f"'{first}1"]]


def test_safe_text_and_the_apostrophe_elsewhere_stay_as_they_are() -> None:
    assert cell("a=b") == "a=b"
    assert cell("'quoted") == "'quoted"
    assert cell(" =1") == " =1"  # a space first: a spreadsheet reads text
    assert cell("") == ""


def test_numbers_the_app_writes_stay_numbers() -> None:
    assert cell(-3) == "-3"
    assert cell(-0.5) == "-0.5"
    assert cell(1 / 3) == "0.3333333333333333"  # every digit repr gives: full precision
    assert cell(Decimal("-1.50")) == "-1.50"
    assert cell(True) == "true" and cell(False) == "false"
    assert cell(None) == ""


def test_times_are_iso_8601_utc_and_naive_ones_are_refused() -> None:
    nairobi = timezone(timedelta(hours=3))
    assert cell(datetime(2026, 3, 1, 12, 30, tzinfo=nairobi)) == "2026-03-01T09:30:00Z"
    assert cell(datetime(2026, 3, 1, 9, 30, 0, 250000, tzinfo=UTC)) == "2026-03-01T09:30:00.250000Z"
    assert cell(date(2026, 3, 1)) == "2026-03-01"
    with pytest.raises(ValueError, match="naive"):
        cell(datetime(2026, 3, 1, 9, 30))


def test_enums_write_their_value_escaped() -> None:
    assert cell(Colour.red) == "red"
    assert cell(Colour.formula) == "'=1+1"


def test_awkward_text_survives_a_round_trip() -> None:
    names = [
        "Ama, Kofi & Esi",
        'The "Clinic" team',
        "Line one\nline two",
        "CRLF\r\ninside",
        "فريق الصحة المجتمعية",
        "社区卫生小组",
        "सामुदायिक स्वास्थ्य",
        "Équipe santé 🩺",
        "tab\tinside",
    ]
    text = csv_text(["name", "score"], [[n, 0.1] for n in names])
    assert text.startswith("name,score\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["name", "score"]
    assert rows[1:] == [[n, "0.1"] for n in names]
