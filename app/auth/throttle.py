"""Login throttling that holds across workers: failures counted in the database or in Redis.

Each failed login counts once against the account (the normalised e-mail, known or not, so
the throttle reveals nothing about which accounts exist) and once against the client address.
When either has reached its limit inside the sliding window, the next attempt answers 429
with the seconds until enough failures have aged out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.core.config import Settings
from app.core.db import utcnow
from app.models import LoginFailure


@dataclass(frozen=True)
class ThrottleKey:
    scope: str  # "account" or "address"
    key: str
    limit: int


def login_keys(settings: Settings, email: str, address: str | None) -> list[ThrottleKey]:
    keys = [ThrottleKey("account", email, settings.login_max_failures_per_account)]
    if address:
        keys.append(ThrottleKey("address", address, settings.login_max_failures_per_address))
    return keys


class LoginThrottle(Protocol):
    def retry_after(self, session: Session, keys: list[ThrottleKey]) -> int | None:
        """Seconds to wait if any key is at its limit, else None."""
        ...

    def record_failure(self, session: Session, keys: list[ThrottleKey]) -> None: ...

    def clear(self, session: Session, key: ThrottleKey) -> None: ...


class DatabaseThrottle:
    """Failures as rows; the default, shared by every worker on the same database."""

    def __init__(self, window_seconds: int) -> None:
        self.window = timedelta(seconds=window_seconds)

    def retry_after(self, session: Session, keys: list[ThrottleKey]) -> int | None:
        now = utcnow()
        since = now - self.window
        wait: int | None = None
        for k in keys:
            where = (
                col(LoginFailure.scope) == k.scope,
                col(LoginFailure.key) == k.key,
                col(LoginFailure.at) > since,
            )
            count = session.exec(select(func.count()).select_from(LoginFailure).where(*where)).one()
            if count < k.limit:
                continue
            # Blocked until the failure that keeps the count at the limit ages out.
            pivot = session.exec(
                select(LoginFailure.at)
                .where(*where)
                .order_by(col(LoginFailure.at))
                .offset(count - k.limit)
                .limit(1)
            ).one()
            seconds = int((pivot + self.window - now).total_seconds()) + 1
            wait = max(wait or 0, seconds)
        return wait

    def record_failure(self, session: Session, keys: list[ThrottleKey]) -> None:
        now = utcnow()
        for k in keys:
            session.exec(
                delete(LoginFailure).where(
                    col(LoginFailure.scope) == k.scope,
                    col(LoginFailure.key) == k.key,
                    col(LoginFailure.at) <= now - self.window,
                )
            )
            session.add(LoginFailure(scope=k.scope, key=k.key, at=now))
        session.commit()

    def clear(self, session: Session, key: ThrottleKey) -> None:
        session.exec(
            delete(LoginFailure).where(
                col(LoginFailure.scope) == key.scope, col(LoginFailure.key) == key.key
            )
        )
        session.commit()


class RedisThrottle:
    """Failures in Redis through the `limits` library's moving window, when Redis is configured."""

    def __init__(self, redis_url: str, window_seconds: int) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(redis_url))
        self.window_seconds = window_seconds

    def _item(self, k: ThrottleKey) -> RateLimitItemPerSecond:
        return RateLimitItemPerSecond(k.limit, self.window_seconds)

    def retry_after(self, session: Session, keys: list[ThrottleKey]) -> int | None:
        wait: int | None = None
        for k in keys:
            item = self._item(k)
            if not self.limiter.test(item, "opencall-login", k.scope, k.key):
                stats = self.limiter.get_window_stats(item, "opencall-login", k.scope, k.key)
                seconds = int(stats.reset_time - utcnow().timestamp()) + 1
                wait = max(wait or 0, seconds)
        return wait

    def record_failure(self, session: Session, keys: list[ThrottleKey]) -> None:
        for k in keys:
            self.limiter.hit(self._item(k), "opencall-login", k.scope, k.key)

    def clear(self, session: Session, key: ThrottleKey) -> None:
        self.limiter.clear(self._item(key), "opencall-login", key.scope, key.key)


def make_throttle(settings: Settings) -> LoginThrottle:
    if settings.redis_url:
        return RedisThrottle(settings.redis_url, settings.login_window_seconds)
    return DatabaseThrottle(settings.login_window_seconds)
