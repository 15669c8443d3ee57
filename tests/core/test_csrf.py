"""Cookie-authenticated writes from another site are refused; Bearer scripts are exempt."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import BASE_URL, PASSWORD, register


def _browser(app: FastAPI, origin: str | None = BASE_URL) -> TestClient:
    headers = {"Origin": origin} if origin else {}
    return TestClient(app, base_url=BASE_URL, headers=headers)


def test_foreign_origin_cannot_write_with_the_cookie(app: FastAPI, client: TestClient) -> None:
    register(client, email="victim@example.org", name="Victim")
    cookie = client.cookies["opencall_session"]
    with _browser(app, origin="https://evil.example") as evil:
        evil.cookies.set("opencall_session", cookie)
        response = evil.patch("/api/auth/me", json={"display_name": "Pwned"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "cross_site_request"
        assert evil.post("/api/auth/logout").status_code == 403
        # Reads are not writes: a GET is answered (CORS keeps its body from the other site).
        assert evil.get("/api/auth/me").status_code == 200
    assert client.get("/api/auth/me").json()["display_name"] == "Victim"


def test_referer_is_checked_when_origin_is_absent(app: FastAPI, client: TestClient) -> None:
    register(client, email="ref@example.org")
    cookie = client.cookies["opencall_session"]
    with _browser(app, origin=None) as c:
        c.cookies.set("opencall_session", cookie)
        foreign = c.patch(
            "/api/auth/me",
            json={"display_name": "X"},
            headers={"Referer": "https://evil.example/page"},
        )
        assert foreign.status_code == 403
        own = c.patch(
            "/api/auth/me",
            json={"display_name": "Own"},
            headers={"Referer": f"{BASE_URL}/account.html"},
        )
        assert own.status_code == 200
        bare = c.patch("/api/auth/me", json={"display_name": "Bare"})
        assert bare.status_code == 403  # a cookie with neither header is refused


def test_null_origin_is_refused(app: FastAPI, client: TestClient) -> None:
    register(client, email="null@example.org")
    cookie = client.cookies["opencall_session"]
    with _browser(app, origin="null") as c:
        c.cookies.set("opencall_session", cookie)
        assert c.patch("/api/auth/me", json={"display_name": "X"}).status_code == 403


def test_login_from_another_site_is_refused(app: FastAPI, client: TestClient) -> None:
    register(client, email="lc@example.org")
    with _browser(app, origin="https://evil.example") as evil:
        response = evil.post(
            "/api/auth/login", json={"email": "lc@example.org", "password": PASSWORD}
        )
        assert response.status_code == 403
        assert "opencall_session" not in evil.cookies


def test_bearer_writes_need_no_origin(app: FastAPI, client: TestClient) -> None:
    token = register(client, email="bw@example.org")["token"]
    with _browser(app, origin="https://elsewhere.example") as script:
        response = script.patch(
            "/api/auth/me",
            json={"display_name": "Script"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200


def test_script_without_cookie_or_origin_may_log_in(app: FastAPI, client: TestClient) -> None:
    register(client, email="cli@example.org")
    with _browser(app, origin=None) as script:
        response = script.post(
            "/api/auth/login", json={"email": "cli@example.org", "password": PASSWORD}
        )
        assert response.status_code == 200


def test_configured_origin_is_trusted(settings, client: TestClient) -> None:
    from app.main import create_app

    other = create_app(settings.model_copy(update={"cors_origins": ["https://partner.example"]}))
    register(client, email="co@example.org")
    cookie = client.cookies["opencall_session"]
    with _browser(other, origin="https://partner.example") as c:
        c.cookies.set("opencall_session", cookie)
        assert c.patch("/api/auth/me", json={"display_name": "Partner"}).status_code == 200
    other.state.engine.dispose()
