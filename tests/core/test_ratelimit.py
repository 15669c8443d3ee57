"""Rate limits: the sliding-window counter in the database (on the suite's database) and the
`limits` moving window in Redis, against counts and waits worked by hand."""

from __future__ import annotations

import secrets

import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.core.ratelimit import (
    DatabaseRateLimiter,
    Limit,
    RedisRateLimiter,
    sweep_idle,
    wait_seconds,
)
from app.models import RateCounter


def _hit(limiter: DatabaseRateLimiter, session: Session, limits: list[Limit]) -> int | None:
    """Count as a caller does: the limiter joins the transaction, the caller commits."""
    wait = limiter.hit(session, limits)
    session.commit()
    return wait


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _limit(limit: int, scope: str = "test") -> Limit:
    return Limit(scope, secrets.token_hex(6), limit, 60)


def test_wait_seconds_worked_by_hand() -> None:
    # Blocked by the previous window: 10 there, 5 now, limit 10, half-way through. One more
    # fits once 10·(1 − f) ≤ 4, at f = 0.6: 0.1 of 60 s from now.
    assert wait_seconds(10, 5, 10, 0.5, 60) == 6
    # The current window full (10 of 10), a quarter through: into the next window, where the
    # 10 weigh 10·(1 − g) ≤ 9 from g = 0.1: 45 s + 6 s.
    assert wait_seconds(0, 10, 10, 0.25, 60) == 51
    # Never less than a second.
    assert wait_seconds(10, 5, 10, 0.5999, 60) == 1


def test_database_limit_counts_within_the_window_and_slides(app: FastAPI) -> None:
    clock = Clock(6_000_000.0)  # the start of window 100,000 of 60 s
    limiter = DatabaseRateLimiter(clock)
    lim = _limit(4)
    with Session(app.state.engine) as session:
        assert [_hit(limiter, session, [lim]) for _ in range(4)] == [None] * 4
        clock.now += 30  # half-way through the window
        # Refused until the next window is a quarter through, where the 4 weigh 4·0.75 = 3.
        assert _hit(limiter, session, [lim]) == 45
        # The next window, a quarter in: the 4 weigh 3, so one more fits and then none.
        clock.now += 45
        assert _hit(limiter, session, [lim]) is None
        # 4·(1 − f) + 1 + 1 ≤ 4 from f = 0.5: 15 s on.
        assert _hit(limiter, session, [lim]) == 15
        clock.now += 15
        assert _hit(limiter, session, [lim]) is None
        row = session.get(RateCounter, ("test", lim.key))
        assert row is not None
        assert (row.window_index, row.previous, row.hits, row.cap) == (100_001, 4, 2, 4)
        # Two windows later nothing before counts.
        clock.now += 120
        assert [_hit(limiter, session, [lim]) for _ in range(5)] == [None] * 4 + [45]
        session.refresh(row)
        assert (row.window_index, row.previous, row.hits) == (100_003, 0, 4)


def test_database_limits_count_together_or_not_at_all(app: FastAPI) -> None:
    clock = Clock(7_000_000.0)
    limiter = DatabaseRateLimiter(clock)
    account, address = _limit(10, "account"), _limit(2, "address")
    with Session(app.state.engine) as session:
        assert _hit(limiter, session, [account, address]) is None
        assert _hit(limiter, session, [account, address]) is None
        assert _hit(limiter, session, [account, address]) is not None  # the address is full
        hits = dict(
            session.exec(
                select(RateCounter.scope, RateCounter.hits).where(
                    col(RateCounter.key).in_([account.key, address.key])
                )
            ).all()
        )
        assert hits == {"account": 2, "address": 2}  # the refused action counted nowhere
        # Another key is not held back by this one.
        assert _hit(limiter, session, [_limit(1, "address")]) is None


def test_a_refusal_rolls_back_the_callers_writes(app: FastAPI) -> None:
    """The counts and the action commit together: a refused action leaves nothing."""
    limiter = DatabaseRateLimiter(Clock(8_000_000.0))
    lim = _limit(1)
    with Session(app.state.engine) as session:
        assert _hit(limiter, session, [lim]) is None
        other = _limit(5)
        assert limiter.hit(session, [other]) is None  # counted, not yet committed
        assert limiter.hit(session, [lim]) is not None  # refused: the whole transaction goes
        session.commit()
        assert session.get(RateCounter, ("test", other.key)) is None


@pytest.mark.parametrize("limit", [1, 3])
def test_redis_limit(app: FastAPI, limit: int) -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:6379/0")
    lim, other = _limit(limit), _limit(limit)
    with Session(app.state.engine) as session:
        answers = [limiter.hit(session, [lim]) for _ in range(limit + 1)]
        assert answers[:limit] == [None] * limit
        assert answers[limit] is not None and 1 <= answers[limit] <= 60
        # Refused together: when one limit is full, the other is not counted.
        assert limiter.hit(session, [other, lim]) is not None
        assert limiter.hit(session, [other]) is None


def test_the_sweep_drops_idle_keys_and_skips_rows_others_hold(app: FastAPI) -> None:
    engine = app.state.engine
    scope = f"sweep-{secrets.token_hex(3)}"
    rows = {"idle": 10, "fresh": 99, "held": 10}
    with Session(engine) as session:
        session.add_all(
            RateCounter(scope=scope, key=key, window_index=w, hits=1, cap=5, last_at=w * 60.0)
            for key, w in rows.items()
        )
        session.commit()
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as holder:
        if postgres:  # another transaction holds one idle row: the sweep must not wait for it
            holder.execute(
                select(RateCounter.key)
                .where(RateCounter.scope == scope, RateCounter.key == "held")
                .with_for_update()
            )
        with engine.begin() as connection:
            sweep_idle(connection, scope, stale=98)
        holder.rollback()
    with Session(engine) as session:
        left = set(session.exec(select(RateCounter.key).where(RateCounter.scope == scope)))
    assert left == ({"fresh", "held"} if postgres else {"fresh"})
