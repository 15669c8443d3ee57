"""Login throttling per account and per address, shared by workers (database or Redis)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import BASE_URL, PASSWORD, register


def _login(client: TestClient, email: str, password: str):
    return client.post("/api/auth/login", json={"email": email, "password": password})


def test_account_is_throttled_after_repeated_failures(
    client: TestClient, other_client: TestClient
) -> None:
    register(client, email="t@example.org")
    limit = client.app.state.settings.login_max_failures_per_account  # type: ignore[attr-defined]
    for _ in range(limit):
        assert _login(other_client, "t@example.org", "wrong guess!").status_code == 401
    blocked = _login(other_client, "T@example.org", PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_attempts"
    retry = int(blocked.headers["retry-after"])
    assert 0 < retry <= client.app.state.settings.login_window_seconds + 1  # type: ignore[attr-defined]
    # Another account from the same client is not blocked by this one.
    register(client, email="u@example.org")
    assert _login(other_client, "u@example.org", PASSWORD).status_code == 200


def test_success_clears_the_account_count(client: TestClient, other_client: TestClient) -> None:
    register(client, email="ok@example.org")
    limit = client.app.state.settings.login_max_failures_per_account  # type: ignore[attr-defined]
    for _ in range(limit - 1):
        _login(other_client, "ok@example.org", "wrong guess!")
    assert _login(other_client, "ok@example.org", PASSWORD).status_code == 200
    for _ in range(limit - 1):
        _login(other_client, "ok@example.org", "wrong guess!")
    assert _login(other_client, "ok@example.org", PASSWORD).status_code == 200


def _app_with(settings: Settings, **overrides: object) -> FastAPI:
    return create_app(settings.model_copy(update=overrides))


def test_address_is_throttled_across_accounts(settings: Settings, app: FastAPI) -> None:
    limited = _app_with(settings, login_max_failures_per_address=3)
    with TestClient(limited, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
        for n in range(3):
            assert _login(c, f"spray{n}@example.org", "guess guess").status_code == 401
        blocked = _login(c, "spray9@example.org", "guess guess")
        assert blocked.status_code == 429
        assert "Retry-After" in blocked.headers
    limited.state.engine.dispose()


def test_throttle_holds_across_workers(settings: Settings, app: FastAPI) -> None:
    """Two app instances on one database stand for two workers."""
    first, second = _app_with(settings), _app_with(settings)
    limit = settings.login_max_failures_per_account
    with (
        TestClient(first, base_url=BASE_URL, headers={"Origin": BASE_URL}) as a,
        TestClient(second, base_url=BASE_URL, headers={"Origin": BASE_URL}) as b,
    ):
        register(a, email="w@example.org")
        for n in range(limit):
            _login(a if n % 2 else b, "w@example.org", "wrong guess!")
        assert _login(a, "w@example.org", PASSWORD).status_code == 429
        assert _login(b, "w@example.org", PASSWORD).status_code == 429
    first.state.engine.dispose()
    second.state.engine.dispose()


@pytest.fixture
def redis_settings(settings: Settings) -> Iterator[Settings]:
    yield settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"})


def test_throttle_in_redis_across_workers(redis_settings: Settings, app: FastAPI) -> None:
    first, second = create_app(redis_settings), create_app(redis_settings)
    assert type(first.state.throttle).__name__ == "RedisThrottle"
    email = f"redis-{secrets.token_hex(4)}@example.org"
    limit = redis_settings.login_max_failures_per_account
    with (
        TestClient(first, base_url=BASE_URL, headers={"Origin": BASE_URL}) as a,
        TestClient(second, base_url=BASE_URL, headers={"Origin": BASE_URL}) as b,
    ):
        register(a, email=email)
        for n in range(limit):
            assert _login(a if n % 2 else b, email, "wrong guess!").status_code == 401
        blocked = _login(b, email, PASSWORD)
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
    first.state.engine.dispose()
    second.state.engine.dispose()
