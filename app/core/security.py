"""Password hashing (argon2id through libpass's passlib API) and opaque tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from passlib.context import CryptContext

from app.core.config import Settings


@lru_cache(maxsize=8)
def _context(time_cost: int, memory_kib: int, parallelism: int) -> CryptContext:
    return CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__time_cost=time_cost,
        argon2__memory_cost=memory_kib,
        argon2__parallelism=parallelism,
    )


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _context(time_cost, memory_kib, parallelism).hash(secrets.token_urlsafe(16))


class PasswordHasher:
    """Hashes and verifies passwords with the parameters in the settings."""

    def __init__(self, settings: Settings) -> None:
        self._params = (
            settings.argon2_time_cost,
            settings.argon2_memory_kib,
            settings.argon2_parallelism,
        )
        self._context = _context(*self._params)

    def hash(self, password: str) -> str:
        return self._context.hash(password)

    def verify(self, password: str, password_hash: str) -> tuple[bool, str | None]:
        """Return (matches, new hash if the stored one uses outdated parameters)."""
        try:
            return self._context.verify_and_update(password, password_hash)
        except (ValueError, TypeError):
            return False, None

    def verify_dummy(self, password: str) -> None:
        """Spend the time a real verification takes, so unknown accounts leak no timing."""
        self._context.verify(password, _dummy_hash(*self._params))


def new_token() -> str:
    """An opaque random token for a session or a link sent by mail (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(secret_key: str, token: str) -> str:
    """The keyed hash stored instead of a token: a database leak alone yields no usable token."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
