"""The database: one engine factory, the metadata's naming convention, UTC timestamps."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel, create_engine

from app.core.config import Settings

# Set before any model is imported so every constraint gets a stable name in migrations.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


# Bound parameters one statement may carry: psycopg refuses more than 65,535 and SQLite
# more than 32,766, so a list of ids for `IN (…)` is sent in parts of this size.
IN_LIST_SIZE = 10_000


def in_parts(ids: Iterable[int]) -> Iterator[list[int]]:
    """`ids` in lists of at most IN_LIST_SIZE, for `col(…).in_(part)` one part at a time."""
    values = list(ids)
    for start in range(0, len(values), IN_LIST_SIZE):
        yield values[start : start + IN_LIST_SIZE]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back timezone-aware.

    PostgreSQL keeps the zone (timestamptz); SQLite drops it, so naive values read back are
    UTC by construction. Naive values are refused on the way in: they are always a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use app.core.db.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(settings: Settings) -> Engine:
    """The one engine factory: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL."""
    url = normalise_database_url(settings.database_url)
    if url.startswith("sqlite"):
        # The same pool size as PostgreSQL: the API admits as many requests at once.
        pooled: dict[str, Any] = (
            {}
            if ":memory:" in url or url.rstrip("/") in ("sqlite:", "sqlite://")
            else {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
        )
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_pre_ping=True,
            **pooled,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        pool_timeout=5,
        pool_recycle=1800,
        connect_args={"connect_timeout": settings.db_connect_timeout},
    )
