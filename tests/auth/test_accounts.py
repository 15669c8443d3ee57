"""Register, log in and out, me, sessions: both the allowed and the refused side."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.db import utcnow
from app.core.security import hash_token
from app.models import User, UserSession
from tests.conftest import BASE_URL, PASSWORD, register


def test_register_logs_in_and_normalises_email(client: TestClient) -> None:
    body = register(client, email="  Amina.Okafor@Example.ORG ", name="  Amina Okafor ")
    assert body["user"]["email"] == "amina.okafor@example.org"
    assert body["user"]["display_name"] == "Amina Okafor"
    assert body["user"]["email_verified"] is False
    assert body["user"]["is_admin"] is False
    assert "opencall_session" in client.cookies
    me = client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json() == body["user"]


def test_register_cookie_is_httponly_and_lax(client: TestClient) -> None:
    response = client.post(
        "/api/auth/register",
        json={"email": "c@example.org", "display_name": "C", "password": PASSWORD},
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # the test base URL is http


def test_duplicate_email_in_any_case_is_refused(
    client: TestClient, other_client: TestClient
) -> None:
    register(client, email="dup@example.org")
    response = other_client.post(
        "/api/auth/register",
        json={"email": "DUP@example.org", "display_name": "Other", "password": PASSWORD},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"
    assert response.json()["error"]["field"] == "email"


def test_register_validation_names_each_field_and_never_echoes(client: TestClient) -> None:
    secret = "short7!"
    response = client.post(
        "/api/auth/register",
        json={"email": "not-an-address", "display_name": "", "password": secret},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    fields = {d["field"] for d in error["details"]}
    assert fields == {"email", "display_name", "password"}
    messages = {d["field"]: d["message"] for d in error["details"]}
    assert messages["password"] == "must be at least 8 characters"
    assert messages["email"] == "is not a valid e-mail address (name@example.org)"
    assert secret not in response.text
    assert "not-an-address" not in response.text


def test_register_refuses_unknown_fields(client: TestClient) -> None:
    response = client.post(
        "/api/auth/register",
        json={
            "email": "x@example.org",
            "display_name": "X",
            "password": PASSWORD,
            "is_admin": True,
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "is_admin"


def test_login_wrong_password_and_unknown_user_get_one_answer(
    client: TestClient, other_client: TestClient
) -> None:
    register(client, email="known@example.org")
    wrong = other_client.post(
        "/api/auth/login", json={"email": "known@example.org", "password": "wrong password"}
    )
    unknown = other_client.post(
        "/api/auth/login", json={"email": "nobody@example.org", "password": "wrong password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "invalid_credentials"
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]
    assert "opencall_session" not in other_client.cookies


def test_login_then_logout_ends_the_session(client: TestClient, other_client: TestClient) -> None:
    register(client, email="l@example.org")
    response = other_client.post(
        "/api/auth/login", json={"email": "L@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert other_client.get("/api/auth/me").status_code == 200
    assert other_client.post("/api/auth/logout").status_code == 204
    assert other_client.get("/api/auth/me").status_code == 401
    # The token itself is dead, not just the cookie.
    bearer = other_client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    assert bearer.json()["error"]["code"] == "not_authenticated"
    # The first session is untouched.
    assert client.get("/api/auth/me").status_code == 200


def test_bearer_token_works_for_scripts(app, client: TestClient) -> None:
    token = register(client, email="script@example.org")["token"]
    with TestClient(app, base_url=BASE_URL) as script:
        me = script.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        # A write with a bearer token needs no Origin.
        patched = script.patch(
            "/api/auth/me",
            json={"display_name": "Scripted"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert patched.status_code == 200
        assert patched.json()["display_name"] == "Scripted"


def test_session_token_is_stored_only_as_hash(app, client: TestClient) -> None:
    token = register(client, email="h@example.org")["token"]
    with Session(app.state.engine) as session:
        rows = session.exec(select(UserSession)).all()
        assert [r.token_hash for r in rows] == [hash_token(app.state.settings.secret_key, token)]
        assert token not in rows[0].token_hash


def test_expired_session_is_refused(app, client: TestClient) -> None:
    register(client, email="exp@example.org")
    with Session(app.state.engine) as session:
        row = session.exec(select(UserSession)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert client.get("/api/auth/me").status_code == 401


def test_inactive_user_is_refused(app, client: TestClient, other_client: TestClient) -> None:
    register(client, email="gone@example.org")
    with Session(app.state.engine) as session:
        user = session.exec(select(User)).one()
        user.is_active = False
        session.add(user)
        session.commit()
    assert client.get("/api/auth/me").status_code == 401
    login = other_client.post(
        "/api/auth/login", json={"email": "gone@example.org", "password": PASSWORD}
    )
    assert login.status_code == 401


def test_me_requires_login(client: TestClient) -> None:
    response = client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    forged = client.get("/api/auth/me", headers={"Authorization": "Bearer not-a-real-token"})
    assert forged.status_code == 401


def test_update_display_name(client: TestClient) -> None:
    register(client)
    response = client.patch("/api/auth/me", json={"display_name": "  Amina O. "})
    assert response.status_code == 200
    assert response.json()["display_name"] == "Amina O."
    bad = client.patch("/api/auth/me", json={"display_name": "Evil\u202eName"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "display_name"


def test_change_password_revokes_other_sessions(
    client: TestClient, other_client: TestClient, mailbox, app
) -> None:
    register(client, email="cp@example.org")
    other_client.post("/api/auth/login", json={"email": "cp@example.org", "password": PASSWORD})
    assert other_client.get("/api/auth/me").status_code == 200

    wrong = client.post(
        "/api/auth/password",
        json={"current_password": "not it at all", "new_password": "a new password"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["field"] == "current_password"
    assert other_client.get("/api/auth/me").status_code == 200

    ok = client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "a new password"}
    )
    assert ok.status_code == 204
    assert client.get("/api/auth/me").status_code == 200  # this session stays
    assert other_client.get("/api/auth/me").status_code == 401  # the other is gone
    relog = other_client.post(
        "/api/auth/login", json={"email": "cp@example.org", "password": "a new password"}
    )
    assert relog.status_code == 200
    old = other_client.post(
        "/api/auth/login", json={"email": "cp@example.org", "password": PASSWORD}
    )
    assert old.status_code == 401


def test_list_and_revoke_my_sessions(client: TestClient, other_client: TestClient, app) -> None:
    register(client, email="s@example.org")
    other_client.post(
        "/api/auth/login",
        json={"email": "s@example.org", "password": PASSWORD},
        headers={"User-Agent": "PhoneBrowser/1.0"},
    )
    listing = client.get("/api/auth/sessions")
    assert listing.status_code == 200
    items = listing.json()["items"]
    assert [i["current"] for i in items] == [False, True]  # newest first
    assert items[0]["user_agent"] == "PhoneBrowser/1.0"
    assert listing.json()["next_cursor"] is None

    assert client.delete(f"/api/auth/sessions/{items[0]['id']}").status_code == 204
    assert other_client.get("/api/auth/me").status_code == 401
    assert [i["current"] for i in client.get("/api/auth/sessions").json()["items"]] == [True]
    again = client.delete(f"/api/auth/sessions/{items[0]['id']}")
    assert again.status_code == 404


def test_cannot_revoke_someone_elses_session(client: TestClient, other_client: TestClient) -> None:
    register(client, email="a1@example.org")
    register(other_client, email="b1@example.org")
    theirs = other_client.get("/api/auth/sessions").json()["items"][0]["id"]
    response = client.delete(f"/api/auth/sessions/{theirs}")
    assert response.status_code == 404
    assert other_client.get("/api/auth/me").status_code == 200


def test_sessions_paginate(app, client: TestClient) -> None:
    register(client, email="p@example.org")
    with TestClient(app, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
        for _ in range(4):
            c.post("/api/auth/login", json={"email": "p@example.org", "password": PASSWORD})
    first = client.get("/api/auth/sessions", params={"limit": 2}).json()
    second = client.get(
        "/api/auth/sessions", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    third = client.get(
        "/api/auth/sessions", params={"limit": 2, "cursor": second["next_cursor"]}
    ).json()
    ids = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True)
    assert third["next_cursor"] is None
    too_many = client.get("/api/auth/sessions", params={"limit": 201})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["field"] == "limit"
    bad_cursor = client.get("/api/auth/sessions", params={"cursor": "!!nonsense"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["error"]["field"] == "cursor"


def test_password_never_appears_in_responses_or_logs(
    client: TestClient, other_client: TestClient, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Sup3r-Secret-Passphrase"
    responses = [
        client.post(
            "/api/auth/register",
            json={"email": "pw@example.org", "display_name": "P", "password": secret},
        ),
        other_client.post("/api/auth/login", json={"email": "pw@example.org", "password": secret}),
        other_client.post(
            "/api/auth/login", json={"email": "pw@example.org", "password": secret + "x"}
        ),
        client.post("/api/auth/password", json={"current_password": secret, "new_password": "x"}),
        client.post(
            "/api/auth/password", json={"current_password": secret, "new_password": secret + "-2"}
        ),
        client.get("/api/auth/me"),
    ]
    for response in responses:
        assert secret not in response.text
        assert secret not in str(response.headers)
    assert secret not in caplog.text


def test_login_rehashes_when_the_parameters_change(app, settings, client: TestClient) -> None:
    from app.main import create_app

    register(client, email="rehash@example.org")
    with Session(app.state.engine) as session:
        before = session.exec(select(User.password_hash)).one()
    assert "t=1," in before
    stronger = create_app(settings.model_copy(update={"argon2_time_cost": 2}))
    with TestClient(stronger, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
        assert (
            c.post(
                "/api/auth/login", json={"email": "rehash@example.org", "password": PASSWORD}
            ).status_code
            == 200
        )
    with Session(app.state.engine) as session:
        after = session.exec(select(User.password_hash)).one()
    assert "t=2," in after and after != before
    # The upgraded hash still opens the account under the new parameters.
    with TestClient(stronger, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
        assert (
            c.post(
                "/api/auth/login", json={"email": "rehash@example.org", "password": PASSWORD}
            ).status_code
            == 200
        )
    stronger.state.engine.dispose()
