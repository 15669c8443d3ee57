"""Rate limits that hold across workers and hosts: counted in the database, or in Redis
through the `limits` library when Redis is configured (the login throttle does the same for
failed logins).

Both count in a sliding window of `seconds`. The database keeps one row per key
(`RateCounter`) with the hits of its current fixed window and of the one before, and
estimates the sliding window's count as the current hits plus the previous ones weighted by
how much of that window the sliding window still covers (the "sliding window counter" of
Cloudflare and of `limits`). An action costs one upsert for all its limits, where a row per
hit would grow with the very traffic it limits.
"""

from __future__ import annotations

import functools
import math
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Connection, Table, bindparam, case, delete, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.core.config import Settings
from app.models import RateCounter

# One action in this many also sweeps its scopes of rows too old to count.
SWEEP_ONE_IN = 256
SWEEP_ROWS = 1000


@dataclass(frozen=True)
class Limit:
    """At most `limit` actions by `key` within any `seconds`, counted under `scope`."""

    scope: str
    key: str
    limit: int
    seconds: int


class RateLimiter(Protocol):
    def hit(self, session: Session, limits: Sequence[Limit]) -> int | None:
        """Count one action against every limit, as part of the session's transaction (the
        caller commits it with the action's own writes; Redis counts at once). When any
        limit is reached already, count nothing, roll the session's transaction back, and
        return the seconds to wait instead."""
        ...


def wait_seconds(previous: int, current: int, limit: int, elapsed: float, seconds: int) -> int:
    """Seconds until one more action fits: until enough of the previous window has slid out
    (`previous` weighted by the share of it still covered), or, when the current window is
    full, into the next window, where the current one becomes the previous."""
    if current + 1 <= limit:
        # previous · (1 − f) ≤ limit − 1 − current, for f the elapsed share of this window.
        needed = 1 - (limit - 1 - current) / previous
        wait = (needed - elapsed) * seconds
    else:
        needed = 1 - (limit - 1) / current if limit >= 1 else 1.0
        wait = (1 - elapsed) * seconds + max(0.0, needed) * seconds
    return max(1, math.ceil(wait))


class DatabaseRateLimiter:
    """Counters in the database, shared by every worker on it, and exact. Each key's row
    rolls its windows forward and counts the hit in one conditional upsert, which PostgreSQL
    re-checks on the locked row and SQLite runs one writer at a time, so racing actions
    never pass a limit together. One statement counts all of an action's limits. The counts
    join the caller's transaction, so they commit with the action they count, or not at
    all; when one limit refuses, none is counted. The counter rows are locked from their
    upsert to the commit: callers count last."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def hit(self, session: Session, limits: Sequence[Limit]) -> int | None:
        now = self.clock()
        if any(lim.limit < 1 for lim in limits):
            session.rollback()
            return max(lim.seconds for lim in limits)
        assert len({(lim.scope, lim.key) for lim in limits}) == len(limits), "distinct keys"
        connection = session.connection()  # a Core statement: the ORM has nothing to add
        counted = connection.execute(
            _upsert(connection.dialect.name),
            [
                {
                    "scope": lim.scope,
                    "key": lim.key,
                    "seconds": lim.seconds,
                    "window": int(now // lim.seconds),
                    "cap": lim.limit,
                    "at": now,
                }
                for lim in limits
            ],
        ).all()
        if len(counted) < len(limits):
            session.rollback()
            done = {(scope, key) for scope, key in counted}
            return max(
                self._wait(session, now, lim) for lim in limits if (lim.scope, lim.key) not in done
            )
        if secrets.randbelow(SWEEP_ONE_IN) == 0:
            for lim in limits:
                sweep_idle(connection, lim.scope, int(now // lim.seconds) - 1)
        return None

    def _wait(self, session: Session, now: float, lim: Limit) -> int:
        """Seconds until this refused key may act again, from its row as it is now."""
        row = session.get(RateCounter, (lim.scope, lim.key))
        window = int(now // lim.seconds)
        previous = current = 0
        if row is not None and row.window_index == window:
            previous, current = row.previous, row.hits
        elif row is not None and row.window_index == window - 1:
            previous = row.hits
        elapsed = (now % lim.seconds) / lim.seconds
        session.rollback()
        if previous * (1 - elapsed) + current + 1 <= lim.limit:
            return 1  # freed meanwhile
        return wait_seconds(previous, current, lim.limit, elapsed, lim.seconds)


def sweep_idle(connection: Connection, scope: str, stale: int) -> None:
    """Drop up to SWEEP_ROWS rows of keys idle for two windows (they count nothing). On
    PostgreSQL the rows others hold are skipped, never waited for: this runs while the
    caller holds counter rows of its own, and waiting here could close a deadlock."""
    old = select(RateCounter.scope, RateCounter.key).where(
        col(RateCounter.scope) == scope, col(RateCounter.window_index) < stale
    )
    if connection.dialect.name == "postgresql":
        old = old.with_for_update(skip_locked=True)
    keys = tuple_(col(RateCounter.scope), col(RateCounter.key))
    connection.execute(delete(RateCounter).where(keys.in_(old.limit(SWEEP_ROWS))))


@functools.cache
def _upsert(dialect: str) -> Any:
    """INSERT a key's row, or roll it to this window and add the hit if
    previous · (share of that window still covered) + hits + 1 ≤ the limit; RETURNING the
    key when counted. Everything the condition needs arrives in the row's new values
    (`excluded`), so the statement takes a list of keys and sends them as one multi-row
    INSERT, and is built once per dialect, so compiled once."""
    counters: Table = RateCounter.__table__  # type: ignore[attr-defined]
    table = counters.c
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(counters).values(
        scope=bindparam("scope"),
        key=bindparam("key"),
        seconds=bindparam("seconds"),
        window_index=bindparam("window"),
        hits=1,
        previous=0,
        cap=bindparam("cap"),
        last_at=bindparam("at"),
    )
    new = statement.excluded
    same = table.window_index == new.window_index
    after = table.window_index == new.window_index - 1
    previous = case((same, table.previous), (after, table.hits), else_=0)
    current = case((same, table.hits), else_=0)
    covered = 1 - (new.last_at / new.seconds - new.window_index)
    return statement.on_conflict_do_update(
        index_elements=["scope", "key"],
        set_={
            "seconds": new.seconds,
            "window_index": new.window_index,
            "hits": current + 1,
            "previous": previous,
            "cap": new.cap,
            "last_at": new.last_at,
        },
        where=previous * covered + current + 1 <= new.cap,
    ).returning(table.scope, table.key)


class RedisRateLimiter:
    """The `limits` library's moving window in Redis."""

    def __init__(self, redis_url: str) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(redis_url))

    def _wait(self, item: RateLimitItemPerSecond, lim: Limit) -> int:
        stats = self.limiter.get_window_stats(item, "opencall", lim.scope, lim.key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def hit(self, session: Session, limits: Sequence[Limit]) -> int | None:
        items = [(RateLimitItemPerSecond(lim.limit, lim.seconds), lim) for lim in limits]
        waits = [
            self._wait(item, lim)
            for item, lim in items
            if not self.limiter.test(item, "opencall", lim.scope, lim.key)
        ]
        if waits:
            session.rollback()
            return max(waits)
        for item, lim in items:
            if not self.limiter.hit(item, "opencall", lim.scope, lim.key):
                session.rollback()
                return self._wait(item, lim)
        return None


def make_rate_limiter(settings: Settings) -> RateLimiter:
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url)
    return DatabaseRateLimiter()
