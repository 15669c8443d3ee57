"""One way to paginate every list: ``?limit=`` (1–200, default 50) and an opaque ``?cursor=``."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlmodel import Session, col
from sqlmodel.sql.expression import SelectOfScalar

from app.core.errors import BadRequest

T = TypeVar("T")

MAX_LIMIT = 200
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns

LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"How many items to return (1–{MAX_LIMIT}).")
]
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=100, description="The `next_cursor` of the previous page; omit for the first."
    ),
]

EntryTextQuery = Annotated[
    str | None, Query(max_length=100, description="in the entry's reference or title")
]


class Page(BaseModel, Generic[T]):
    """A page of a list; `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: int, kind: str = "id") -> str:
    """`kind` "id" for a keyset on ids; "pos" for a place in a computed order (a ranking)."""
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str = "id") -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        number = int(value)
        if prefix != kind or not 0 <= number <= MAX_ID:
            raise ValueError
        return number
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(
            "cursor is not valid; use the next_cursor of the previous page",
            field="cursor",
            code="invalid_cursor",
        ) from None


def paginate_by_id(
    session: Session, statement: SelectOfScalar[Any], id_column: Any, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """Newest first, keyset on the id: stable under inserts, no OFFSET scans."""
    if cursor:
        statement = statement.where(col(id_column) < decode_cursor(cursor))
    rows = list(session.exec(statement.order_by(col(id_column).desc()).limit(limit + 1)).all())
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def page_of(items: list[T], limit: int, cursor: str | None) -> tuple[list[T], str | None]:
    """A page of a list computed whole (a ranking's order), by place: the cursor holds how
    many items came before."""
    start = decode_cursor(cursor, "pos") if cursor else 0
    end = start + limit
    return items[start:end], encode_cursor(end, "pos") if end < len(items) else None
