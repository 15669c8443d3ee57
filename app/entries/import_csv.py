"""Reading an import's CSV file: UTF-8 (with or without Excel's byte-order mark), comma or
semicolon separated (Excel in French and other locales writes `;`), RFC 4180 quoting.

Row numbers are the spreadsheet's: the header is row 1, so the first entry is row 2, and a
cell holding a line break does not move the rows after it. Blank rows are left out (they
are not entries) but keep their numbers. A file that cannot be read as a table at all is
refused whole, with the reason and the fix; everything else is reported row by row later.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from app.core.errors import Unprocessable
from app.entries.schemas import ImportProblem

SAVE_AS = "save it from your spreadsheet as “CSV UTF-8” and upload that file"


@dataclass(frozen=True)
class Column:
    index: int  # position in each row's cells
    name: str


@dataclass(frozen=True)
class CsvTable:
    delimiter: str
    columns: list[Column]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells), blank rows left out
    problems: list[ImportProblem]  # the header's and the rows' shape


def _refused(message: str, code: str) -> Unprocessable:
    return Unprocessable(f"file: {message}", field="file", code=code)


def decode(data: bytes) -> str:
    """The file as text: strict UTF-8, a leading byte-order mark dropped."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refused(f"is UTF-16 text, not UTF-8: {SAVE_AS}.", "not_utf8")
    if data.startswith(b"PK\x03\x04"):
        raise _refused(
            f"is a spreadsheet workbook (such as .xlsx), not a CSV file: {SAVE_AS}.", "not_csv"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _refused(
            f"is not UTF-8 text (line {line} has the first character that is not): {SAVE_AS}.",
            "not_utf8",
        ) from exc
    if "\x00" in text:
        raise _refused(f"is not a text file: {SAVE_AS}.", "not_csv")
    return text


def sniff_delimiter(first_line: str) -> str:
    """`;` when the header has more semicolons than commas outside quotes, else `,`."""
    outside_quotes = re.sub(r'"[^"]*"', "", first_line)
    return ";" if outside_quotes.count(";") > outside_quotes.count(",") else ","


def letter(index: int) -> str:
    """A column's spreadsheet letter: 0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def read_table(data: bytes, max_rows: int) -> CsvTable:
    """The header and the rows of entries, or Unprocessable (422) for a file that is empty,
    not UTF-8, not CSV, badly quoted, or longer than `max_rows` entries."""
    text = decode(data)
    if not text.strip():
        raise _refused(
            "is empty: it needs a header row naming the columns, then one row per entry.",
            "empty_file",
        )
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    last = 0  # the last row read
    try:
        header = [name.strip() for name in next(reader)]
        last = 1
        for cells in reader:
            last += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == max_rows:
                raise _refused(
                    f"has more than {max_rows:,} entries (rows under the header); an import "
                    f"takes at most {max_rows:,}: split the file and import each part.",
                    "too_many_rows",
                )
            rows.append((last, cells))
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise _refused(
                f"row {last + 1} has a cell longer than {csv.field_size_limit():,} characters, "
                "more than any field takes: shorten it.",
                "bad_csv",
            ) from exc
        raise _refused(
            f"row {last + 1} is not valid CSV ({exc}): a cell holding the separator, a quote "
            'or a line break must be in double quotes, with each quote inside doubled ("").',
            "bad_csv",
        ) from exc
    if header is None or not any(header):
        raise _refused("row 1 is blank: the first row must name the columns.", "bad_csv")
    if not rows:
        raise _refused("has a header row but no entries under it.", "empty_file")
    return _shape(header, rows, delimiter)


def _shape(header: list[str], rows: list[tuple[int, list[str]]], delimiter: str) -> CsvTable:
    """Name the columns and check every row has a cell for each."""
    problems: list[ImportProblem] = []
    used = {index for _, cells in rows for index, cell in enumerate(cells) if cell.strip()}
    columns: list[Column] = []
    seen: set[str] = set()
    for index, name in enumerate(header):
        if not name:
            if index not in used:
                continue  # an empty column, as spreadsheets add after the last one
            name = f"Column {letter(index)}"
        if name in seen:
            problems.append(
                ImportProblem(
                    row=1,
                    column=name,
                    field=None,
                    message=f"two columns are named “{name}”: rename one, so each column "
                    "can be mapped on its own.",
                )
            )
            continue
        seen.add(name)
        columns.append(Column(index, name))
    width = len(header)
    for number, cells in rows:
        extra = cells[width:]
        if len(cells) < width or any(cell.strip() for cell in extra):
            problems.append(
                ImportProblem(
                    row=number,
                    column=None,
                    field=None,
                    message=f"has {len(cells)} cells where the header has {width} columns: a "
                    f"cell holding “{delimiter}” must be in double quotes, and no cell may be "
                    "left out.",
                )
            )
    return CsvTable(delimiter=delimiter, columns=columns, rows=rows, problems=problems)
