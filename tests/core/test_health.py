"""/healthz answers 503 while the database is unreachable and 200 again once it is back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.cli import run_migrations
from app.core.config import Settings
from app.main import create_app
from tests.conftest import BASE_URL, PASSWORD, create_pg_database, drop_pg_database, register
from tests.tcp_proxy import TcpProxy


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.fixture(scope="module")
def pg_behind_proxy() -> Iterator[tuple[str, TcpProxy]]:
    """PostgreSQL reached through a proxy we can cut (always PostgreSQL: the outage that
    matters in production is a database server going away)."""
    url = create_pg_database("opencall_outage")
    run_migrations(url)
    parsed = make_url(url)
    proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    yield parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.close()
    drop_pg_database(url)


@pytest.mark.timeout(60)  # a hung request fails the test instead of blocking the suite
def test_outage_answers_503_quickly_and_recovers_without_restart(
    settings: Settings, pg_behind_proxy: tuple[str, TcpProxy]
) -> None:
    url, proxy = pg_behind_proxy
    application = create_app(
        settings.model_copy(update={"database_url": url, "db_connect_timeout": 2})
    )
    with TestClient(application, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
        register(c, email="outage@example.org")
        assert c.get("/healthz").status_code == 200

        proxy.cut()
        down = c.get("/healthz")
        assert down.status_code == 503
        assert down.json() == {"status": "unavailable", "database": "unreachable"}
        me = c.get("/api/auth/me")
        assert me.status_code == 503
        assert me.json()["error"]["code"] == "service_unavailable"
        assert me.headers["retry-after"] == "5"
        login = c.post(
            "/api/auth/login", json={"email": "outage@example.org", "password": PASSWORD}
        )
        assert login.status_code == 503

        proxy.restore()
        deadline = time.monotonic() + 5
        while c.get("/healthz").status_code != 200:
            assert time.monotonic() < deadline, "not healthy within 5 s of the database's return"
            time.sleep(0.1)
        assert c.get("/api/auth/me").status_code == 200
    application.state.engine.dispose()
