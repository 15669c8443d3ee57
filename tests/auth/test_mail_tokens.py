"""E-mail verification and password reset through mail that a real SMTP server receives."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.db import utcnow
from app.models import OutboxMessage, UserToken
from tests.conftest import BASE_URL, PASSWORD, deliver_mail, link_token, register


def test_registration_mails_a_verification_link_that_works_once(
    app, client: TestClient, other_client: TestClient, mailbox
) -> None:
    register(client, email="v@example.org", name="Vera")
    assert deliver_mail(app) == 1
    [message] = mailbox.to("v@example.org")
    assert message["Subject"] == "Verify your e-mail address for OpenCall"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@testserver>")
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "Verify my e-mail address" in html.get_content()
    token = link_token(message, "verify.html")

    # Verification needs only the token (the link may be opened on another device).
    verified = other_client.post("/api/auth/verify", json={"token": token})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True
    assert client.get("/api/auth/me").json()["email_verified"] is True

    again = other_client.post("/api/auth/verify", json={"token": token})
    assert again.status_code == 400
    assert again.json()["error"] == {
        "code": "invalid_token",
        "message": "This link is invalid, has expired or was used already; ask for a new one.",
        "field": "token",
        "details": [
            {
                "field": "token",
                "message": "This link is invalid, has expired or was used already; ask for a new one.",
            }
        ],
        "request_id": again.headers["x-request-id"],
    }


def test_expired_verification_token_is_refused(app, client: TestClient, mailbox) -> None:
    register(client, email="late@example.org")
    deliver_mail(app)
    token = link_token(mailbox.to("late@example.org")[0], "verify.html")
    with Session(app.state.engine) as session:
        row = session.exec(select(UserToken)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    response = client.post("/api/auth/verify", json={"token": token})
    assert response.status_code == 400
    assert client.get("/api/auth/me").json()["email_verified"] is False


def test_resend_verification(app, client: TestClient, mailbox) -> None:
    assert client.post("/api/auth/verify/request").status_code == 401
    register(client, email="re@example.org")
    response = client.post("/api/auth/verify/request")
    assert response.status_code == 202
    deliver_mail(app)
    first, second = mailbox.to("re@example.org")
    assert link_token(first, "verify.html") != link_token(second, "verify.html")
    client.post("/api/auth/verify", json={"token": link_token(second, "verify.html")})
    done = client.post("/api/auth/verify/request")
    assert done.json() == {"detail": "Your e-mail address is verified already."}
    assert deliver_mail(app) == 0


def test_password_reset_flow(app, client: TestClient, other_client: TestClient, mailbox) -> None:
    register(client, email="forgot@example.org", name="Femi")
    deliver_mail(app)
    mailbox.clear()
    answer = other_client.post(
        "/api/auth/password-reset/request", json={"email": "Forgot@Example.org"}
    )
    assert answer.status_code == 202
    assert deliver_mail(app) == 1
    [message] = mailbox.to("forgot@example.org")
    token = link_token(message, "reset.html")

    short = other_client.post(
        "/api/auth/password-reset", json={"token": token, "new_password": "short"}
    )
    assert short.status_code == 422 and short.json()["error"]["field"] == "new_password"

    done = other_client.post(
        "/api/auth/password-reset", json={"token": token, "new_password": "brand new secret"}
    )
    assert done.status_code == 204
    assert client.get("/api/auth/me").status_code == 401  # every session was logged out
    assert (
        other_client.post(
            "/api/auth/login", json={"email": "forgot@example.org", "password": PASSWORD}
        ).status_code
        == 401
    )
    login = other_client.post(
        "/api/auth/login", json={"email": "forgot@example.org", "password": "brand new secret"}
    )
    assert login.status_code == 200
    assert login.json()["user"]["email_verified"] is True  # the link proved the address
    reuse = other_client.post(
        "/api/auth/password-reset", json={"token": token, "new_password": "another secret"}
    )
    assert reuse.status_code == 400
    deliver_mail(app)
    assert [m["Subject"] for m in mailbox.to("forgot@example.org")][
        -1
    ] == "Your OpenCall password was changed"


def test_reset_request_for_unknown_address_looks_the_same(app, client: TestClient, mailbox) -> None:
    register(client, email="known2@example.org")
    deliver_mail(app)
    known = client.post("/api/auth/password-reset/request", json={"email": "known2@example.org"})
    unknown = client.post(
        "/api/auth/password-reset/request", json={"email": "stranger@example.org"}
    )
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    deliver_mail(app)
    assert mailbox.to("stranger@example.org") == []


def test_a_newer_reset_kills_older_links(app, client: TestClient, mailbox) -> None:
    register(client, email="two@example.org")
    client.post("/api/auth/password-reset/request", json={"email": "two@example.org"})
    client.post("/api/auth/password-reset/request", json={"email": "two@example.org"})
    deliver_mail(app)
    old, new = [
        link_token(m, "reset.html")
        for m in mailbox.to("two@example.org")
        if "reset" in m["Subject"].lower()
    ]
    assert (
        client.post(
            "/api/auth/password-reset", json={"token": new, "new_password": "fresh password"}
        ).status_code
        == 204
    )
    assert (
        client.post(
            "/api/auth/password-reset", json={"token": old, "new_password": "stale password"}
        ).status_code
        == 400
    )


def test_mail_is_written_in_the_same_transaction(
    app, client: TestClient, other_client: TestClient
) -> None:
    register(client, email="tx@example.org")
    failed = other_client.post(
        "/api/auth/register",
        json={"email": "tx@example.org", "display_name": "T", "password": PASSWORD},
    )
    assert failed.status_code == 409
    with Session(app.state.engine) as session:
        messages = session.exec(select(OutboxMessage)).all()
    assert [m.to_address for m in messages] == ["tx@example.org"]


def test_verify_link_points_at_the_base_url(app, client: TestClient, mailbox) -> None:
    register(client, email="link@example.org")
    deliver_mail(app)
    body = mailbox.to("link@example.org")[0].get_body(preferencelist=("plain",)).get_content()
    assert f"{BASE_URL}/verify.html?token=" in body
