"""Rate limits that hold across workers and hosts: hits counted in the database, or in Redis
through the `limits` library when Redis is configured (the login throttle does the same for
failed logins)."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.core.config import Settings
from app.core.db import utcnow
from app.models import RateHit


class RateLimiter(Protocol):
    def hit(self, session: Session, scope: str, key: str, limit: int, seconds: int) -> int | None:
        """Count one action; when `limit` actions were counted within `seconds` already, count
        nothing and return the seconds to wait instead."""
        ...


class DatabaseRateLimiter:
    """Hits as rows in their own short transaction (a moving window); every worker on the
    same database shares them. Approximate under a race by design: a limit, not a count."""

    def hit(self, session: Session, scope: str, key: str, limit: int, seconds: int) -> int | None:
        now = utcnow()
        since = now - timedelta(seconds=seconds)
        where = (col(RateHit.scope) == scope, col(RateHit.key) == key, col(RateHit.at) > since)
        count = session.exec(select(func.count()).select_from(RateHit).where(*where)).one()
        if count >= limit:
            oldest = session.exec(
                select(RateHit.at).where(*where).order_by(col(RateHit.at)).offset(count - limit)
            ).first()
            session.rollback()
            return int(((oldest or now) + timedelta(seconds=seconds) - now).total_seconds()) + 1
        session.exec(
            delete(RateHit).where(
                col(RateHit.scope) == scope, col(RateHit.key) == key, col(RateHit.at) <= since
            )
        )
        session.add(RateHit(scope=scope, key=key, at=now))
        session.commit()
        return None


class RedisRateLimiter:
    def __init__(self, redis_url: str) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(redis_url))

    def hit(self, session: Session, scope: str, key: str, limit: int, seconds: int) -> int | None:
        item = RateLimitItemPerSecond(limit, seconds)
        if self.limiter.hit(item, "opencall", scope, key):
            return None
        stats = self.limiter.get_window_stats(item, "opencall", scope, key)
        return max(1, int(stats.reset_time - utcnow().timestamp()) + 1)


def make_rate_limiter(settings: Settings) -> RateLimiter:
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url)
    return DatabaseRateLimiter()
