"""Exports read back as researchers read them: awkward names through Python's csv module and
pandas, and the fast cell path always writing what cell() writes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pandas as pd
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from app.exports.csvfile import cell, cells, writable
from app.models import EntryStatus
from tests.factories import COMPLETE, client_for, make_challenge, start_entry

SLUG = "hiv-testing"
AWKWARD = [
    "Ama, Kofi & Esi",
    'The "Clinic" team',
    "Line one\nline two",
    "CRLF\r\ninside",
    "فريق الصحة المجتمعية",
    "社区卫生小组",
    "सामुदायिक स्वास्थ्य",
    "Équipe santé 🩺",
    "NA",  # pandas reads this as missing unless told not to
    '=HYPERLINK("http://evil")',
]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_awkward_names_survive_csv_and_pandas(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, max_entries_per_participant=len(AWKWARD))
    entrants = []
    for n, name in enumerate(AWKWARD):
        # Names and titles are one line; a summary may hold line breaks.
        entrant = client_for(app, f"p{n}@example.org", name=_one_line(name))
        start_entry(entrant, body={**COMPLETE, "title": _one_line(name), "summary": name})
        entrants.append(entrant)

    body = org.get(f"/api/challenges/{SLUG}/exports/entries.csv").content
    expected = [
        "'" + name if name.startswith("=") else name  # a formula is shown, never run
        for name in AWKWARD
    ]

    one_line = [_one_line(name) for name in expected]

    rows = list(csv.DictReader(io.StringIO(body.decode(), newline="")))
    assert [r["summary"] for r in rows] == expected
    assert [r["title"] for r in rows] == one_line
    assert [r["participant_name"] for r in rows] == one_line
    frame = pd.read_csv(io.BytesIO(body), keep_default_na=False, dtype=str, encoding="utf-8")
    assert frame["summary"].tolist() == expected
    assert frame["participant_name"].tolist() == one_line
    assert len(frame) == len(AWKWARD)
    # With the byte-order mark Excel needs, pandas reads the same table.
    with_bom = org.get(f"/api/challenges/{SLUG}/exports/entries.csv", params={"bom": "true"})
    assert with_bom.content.startswith(b"\xef\xbb\xbf")
    again = pd.read_csv(
        io.BytesIO(with_bom.content), keep_default_na=False, dtype=str, encoding="utf-8-sig"
    )
    assert again.equals(frame)


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=45))])),
    st.dates(),
    st.sampled_from(list(EntryStatus)),
)


def _line(row: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(row)
    return buffer.getvalue()


@given(st.lists(values, max_size=8))
def test_the_fast_path_writes_what_cell_writes(row: list[Any]) -> None:
    assert cells(row) == [cell(v) for v in row]
    assert _line(writable(row)) == _line([cell(v) for v in row])


def test_the_fast_path_on_types_it_learns() -> None:
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    row = [EntryStatus.submitted, EntryStatus.draft, Decimal("1.50"), moment, "-1", -1, True]
    assert cells(row) == ["submitted", "draft", "1.50", "2026-03-01T12:00:00Z", "'-1", "-1", "true"]


def test_postgresql_times_read_as_text_give_the_cells_cell_gives() -> None:
    from app.exports.entries import UtcText

    loader = UtcText(0)
    for sent, moment in (
        ("2026-03-01 09:30:00+00", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        ("2026-03-01 09:30:00.5+00", datetime(2026, 3, 1, 9, 30, 0, 500000, tzinfo=UTC)),
        ("2026-03-01 09:30:00.000123+00", datetime(2026, 3, 1, 9, 30, 0, 123, tzinfo=UTC)),
        ("2026-03-01 10:30:00+01", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),  # not UTC
    ):
        assert loader.load(sent.encode()) == cell(moment), sent
