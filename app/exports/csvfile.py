"""Analysis-ready CSV, written one way everywhere (DOMAIN.md, the export rules): RFC 4180
with CRLF between records, UTF-8 (a byte-order mark on request, for Excel), times in
ISO 8601 UTC, numbers at full precision, and one
cell escaper against formula injection.

Text that a spreadsheet would read as a formula or a control (a first character of
= + - @, tab, CR or LF) gets a leading apostrophe; numbers the app itself writes are not
text and stay numbers, negative ones included.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.responses import StreamingResponse

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"
# Rows per streamed chunk: enough to keep the overhead down, few enough that memory stays
# flat however long the table.
CHUNK_ROWS = 500


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


def _none(_value: None) -> str:
    return ""


_ZERO = timedelta(0)


def _utc(value: datetime) -> str:
    # Any zone at offset zero (the driver's own UTC object, say) is written without a
    # conversion; isoformat() then always ends in "+00:00".
    if value.tzinfo is UTC or (value.tzinfo is not None and value.utcoffset() == _ZERO):
        return value.isoformat()[:-6] + "Z"
    return cell(value)


# The common types' cells without cell()'s chain of isinstance checks (a row of an export is
# dozens of cells; this is most of the export's time). Keyed by the exact type, so bool (not
# int), str subclasses such as enums, and anything else go through cell() itself.
_FAST: dict[type, Callable[[Any], str]] = {
    str: escape_text,
    int: str,
    float: repr,
    type(None): _none,
    datetime: _utc,
}


def _enum_cell(value: enum.Enum) -> str:
    return escape_text(str(value.value))


def _learn(value: Any) -> str:
    """cell() for a type not seen yet; an enum type is remembered for the next time."""
    if isinstance(value, enum.Enum):
        _FAST[type(value)] = _enum_cell
    return cell(value)


def cells(row: Iterable[Any]) -> list[str]:
    """A row's values as their cells: cell() for each, by the quickest path for its type."""
    fast = _FAST
    return [fast.get(type(v), _learn)(v) for v in row]


# Values the csv module itself writes exactly as cell() would: None as nothing, an int with
# str() and a float with repr() (what _csv.c does). Passed through untouched.
_AS_IS = frozenset({int, float, type(None)})
_DANGER = frozenset(DANGEROUS_FIRST)


def writable(row: Iterable[Any]) -> list[Any]:
    """A row ready for csv.writer, written exactly as cells(row) would be: text escaped
    inline (most cells are text), numbers and None passed through, the rest by cell()."""
    fast, as_is, danger = _FAST, _AS_IS, _DANGER
    return [
        (("'" + v) if v[:1] in danger else v)
        if (kind := type(v)) is str
        else v
        if kind in as_is
        else fast.get(kind, _learn)(v)
        for v in row
    ]


def _writer(buffer: io.StringIO) -> Any:
    return csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole (small) table as one string, e.g. to store it and publish its checksum."""
    buffer = io.StringIO()
    writer = _writer(buffer)
    writer.writerow([escape_text(name) for name in header])
    writer.writerows([cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False
) -> Iterator[bytes]:
    """A table as UTF-8 chunks of CHUNK_ROWS rows each, for streaming: rows are written as
    they are read, never all held at once. `bom` starts it with a byte-order mark, which
    Excel needs to read UTF-8."""
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = _writer(buffer)
    writer.writerow([escape_text(name) for name in header])
    pending = 0
    for row in rows:
        writer.writerow(writable(row))
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode()


def csv_response(filename: str, chunks: Iterator[bytes]) -> StreamingResponse:
    """A streamed CSV download under `filename` (ASCII, made by the app)."""
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
