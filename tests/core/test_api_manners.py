"""Error shape, unknown paths, body limits, security headers, CORS, settings, docs."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.core.config import DEFAULT_SECRET_KEY, Settings
from app.main import create_app
from tests.conftest import BASE_URL, register


def test_unknown_api_path_is_a_json_404(client: TestClient) -> None:
    for method in ("GET", "POST", "DELETE"):
        response = client.request(method, "/api/no/such/thing")
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["code"] == "not_found"
        assert error["message"] == "There is nothing at /api/no/such/thing."
        assert error["request_id"] == response.headers["x-request-id"]


def test_wrong_method_is_405_in_the_same_shape(client: TestClient) -> None:
    response = client.put("/api/auth/me", json={})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_unknown_page_serves_the_html_404(client: TestClient) -> None:
    response = client.get("/no-such-page.html", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1" in response.text


def test_malformed_json_is_a_422_naming_the_problem(client: TestClient) -> None:
    response = client.post(
        "/api/auth/login", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "the body is not valid JSON"
    not_object = client.post("/api/auth/login", json=["a", "list"])
    assert not_object.status_code == 422


def test_json_body_that_is_not_utf8_is_the_same_422(client: TestClient) -> None:
    # Found by tests/test_fuzz.py: FastAPI answered 400, which no route documents.
    response = client.post(
        "/api/auth/login",
        content=b'{"email": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["message"], error["field"]) == (
        "validation_error",
        "the body is not valid JSON",
        None,
    )


def test_json_nested_beyond_reading_is_a_422(client: TestClient) -> None:
    """Arrays nested a hundred thousand deep (under the size limit) make Python's parser give
    up; that is bad input like any other, not FastAPI's undocumented 400."""
    for depth in (5_000, 100_000):
        body = '{"email": ' + "[" * depth + "]" * depth + "}"
        response = client.post(
            "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, (depth, response.text)
        assert "nested too deeply" in response.json()["error"]["message"]


def test_oversized_json_body_is_413(client: TestClient) -> None:
    huge = {"email": "a@example.org", "password": "x" * 2_000_000}
    response = client.post("/api/auth/login", json=huge)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_oversized_chunked_body_is_413(client: TestClient) -> None:
    def chunks():
        yield b'{"email": "a@example.org", "password": "'
        for _ in range(40):
            yield b"x" * 50_000
        yield b'"}'

    response = client.post(
        "/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_unexpected_error_is_a_500_with_request_id_and_no_trace(settings: Settings, caplog) -> None:
    application = create_app(settings)

    @application.get("/api/test-boom")
    def boom() -> None:
        raise RuntimeError("internal detail that must not leak")

    caplog.set_level(logging.ERROR)
    with TestClient(application, base_url=BASE_URL, raise_server_exceptions=False) as c:
        response = c.get("/api/test-boom", headers={"X-Request-ID": "req-12345"})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal_error"
    assert error["request_id"] == "req-12345"
    assert "req-12345" in error["message"]
    assert "internal detail" not in response.text and "Traceback" not in response.text
    assert "req-12345" in caplog.text and "internal detail that must not leak" in caplog.text
    application.state.engine.dispose()


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/", "/api/auth/me", "/healthz", "/api/nowhere", "/css/app.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in headers  # http base URL


def test_hsts_and_secure_cookie_under_https(settings: Settings) -> None:
    application = create_app(
        settings.model_copy(update={"base_url": "https://opencall.example.org"})
    )
    with TestClient(
        application,
        base_url="https://opencall.example.org",
        headers={"Origin": "https://opencall.example.org"},
    ) as c:
        response = c.post(
            "/api/auth/register",
            json={"email": "s@example.org", "display_name": "S", "password": "long enough"},
        )
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert "secure" in response.headers["set-cookie"].lower()
    application.state.engine.dispose()


def test_cors_is_off_by_default(client: TestClient) -> None:
    response = client.options(
        "/api/auth/me",
        headers={"Origin": "https://other.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in response.headers
    assert (
        "access-control-allow-origin"
        not in client.get("/api/auth/me", headers={"Origin": "https://other.example"}).headers
    )


def test_cors_allow_list_with_credentials(settings: Settings) -> None:
    application = create_app(
        settings.model_copy(update={"cors_origins": ["https://partner.example"]})
    )
    with TestClient(application, base_url=BASE_URL) as c:
        allowed = c.get("/healthz", headers={"Origin": "https://partner.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://partner.example"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        other = c.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    application.state.engine.dispose()


def test_cors_wildcard_never_carries_credentials(settings: Settings) -> None:
    application = create_app(settings.model_copy(update={"cors_origins": ["*"]}))
    with TestClient(application, base_url=BASE_URL) as c:
        response = c.get("/healthz", headers={"Origin": "https://any.example"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
    application.state.engine.dispose()


def test_settings_refuse_the_shipped_secret_outside_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENCALL_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="OPENCALL_SECRET_KEY"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="OPENCALL_SECRET_KEY"):
        Settings(_env_file=None, secret_key="too-short")  # type: ignore[call-arg]
    ok = Settings(_env_file=None, secret_key="x" * 40)  # type: ignore[call-arg]
    assert ok.environment == "production"
    monkeypatch.setenv("OPENCALL_ENVIRONMENT", "development")
    assert Settings(_env_file=None).secret_key == DEFAULT_SECRET_KEY  # type: ignore[call-arg]


def test_settings_read_comma_separated_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCALL_CORS_ORIGINS", "https://a.example, https://b.example/")
    assert Settings(_env_file=None).cors_origins == ["https://a.example", "https://b.example"]  # type: ignore[call-arg]


def test_docs_and_openapi_describe_every_route(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-init.js").status_code == 200
    spec = client.get("/openapi.json").json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert len(operations) >= 13
    for operation in operations:
        assert operation.get("description"), operation["operationId"]


def test_frontend_is_served(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200 and "OpenCall" in home.text
    for page in (
        "register.html",
        "login.html",
        "verify.html",
        "forgot.html",
        "reset.html",
        "account.html",
        "js/api.js",
    ):
        assert client.get(f"/{page}").status_code == 200, page


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 16
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    assert (
        client.get("/healthz", headers={"X-Request-ID": "bad id<script>"}).headers["x-request-id"]
        != "bad id<script>"
    )


def test_registered_user_sees_docs_without_login(app: FastAPI, client: TestClient) -> None:
    register(client)
    assert client.get("/openapi.json").status_code == 200


def test_numbers_beyond_any_id_are_a_422_not_a_500(app: FastAPI) -> None:
    import base64

    from tests.factories import client_for

    admin = client_for(app, "admin@example.org", admin=True)
    huge = "99999999999999999999"
    for path in (
        f"/api/entries/{huge}",
        f"/api/rounds/{huge}",
        "/api/entries/2147483648",
    ):
        r = admin.get(path)
        assert r.status_code in (404, 422), (path, r.status_code, r.text)
        assert "error" in r.json()
    cursor = base64.urlsafe_b64encode(f"id:{huge}".encode()).decode().rstrip("=")
    r = admin.get("/api/me/entries", params={"cursor": cursor})
    assert (r.status_code, r.json()["error"]["field"]) == (400, "cursor")
