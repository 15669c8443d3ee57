"""Analysis-ready CSV, written one way everywhere (DOMAIN.md, the export rules): RFC 4180
with CRLF between records, UTF-8, times in ISO 8601 UTC, numbers at full precision, and one
cell escaper against formula injection.

Text that a spreadsheet would read as a formula or a control (a first character of
= + - @, tab, CR or LF) gets a leading apostrophe; numbers the app itself writes are not
text and stay numbers, negative ones included.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n")


def escape_text(text: str) -> str:
    """Text as a cell a spreadsheet will show, never run."""
    return "'" + text if text[:1] in DANGEROUS_FIRST else text


def cell(value: Any) -> str:
    """One value as its CSV cell: empty for None, true/false, numbers as numbers (floats
    with every digit `repr` gives), times as ISO 8601 in UTC, text escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return escape_text(str(value.value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in an export: times are UTC-aware everywhere")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return escape_text(str(value))


def _writer(buffer: io.StringIO) -> Any:
    return csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole (small) table as one string, e.g. to store it and publish its checksum."""
    buffer = io.StringIO()
    writer = _writer(buffer)
    writer.writerow([escape_text(name) for name in header])
    writer.writerows([cell(v) for v in row] for row in rows)
    return buffer.getvalue()
