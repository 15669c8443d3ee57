"""The platform admin's accounts: find, read, deactivate and restore, grant and take away
admin, log out everywhere; every change audited with its reason; no admin can lock
themselves or the platform out."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.factories import PASSWORD, anonymous, client_for, login, make_challenge


def _ids(admin, **params: str) -> list[str]:  # type: ignore[no-untyped-def]
    r = admin.get("/api/admin/users", params=params)
    assert r.status_code == 200, r.text
    return [u["email"] for u in r.json()["items"]]


def test_find_accounts_by_text_and_kind_newest_first_in_pages(app: FastAPI) -> None:
    admin = client_for(app, "root@example.org", admin=True)
    client_for(app, "amina@example.org", name="Amina Bello")
    client_for(app, "kofi@example.org", name="Kofi Mensah", verified=False)
    client_for(app, "wanjiru@example.org", name="Wanjiru Kamau")
    assert _ids(admin) == [
        "wanjiru@example.org",
        "kofi@example.org",
        "amina@example.org",
        "root@example.org",
    ]
    assert _ids(admin, q="MENSAH") == ["kofi@example.org"]
    assert _ids(admin, q="amina@") == ["amina@example.org"]
    assert _ids(admin, filter="unverified") == ["kofi@example.org"]
    assert _ids(admin, filter="admins") == ["root@example.org"]
    assert _ids(admin, filter="inactive") == []
    first = admin.get("/api/admin/users", params={"limit": 3}).json()
    rest = admin.get("/api/admin/users", params={"limit": 3, "cursor": first["next_cursor"]})
    assert [u["email"] for u in rest.json()["items"]] == ["root@example.org"]
    assert rest.json()["next_cursor"] is None
    row = first["items"][0]
    assert (row["is_active"], row["is_admin"], row["email_verified"]) == (True, False, True)
    assert row["last_seen_at"] is not None  # registering logged them in
    r = admin.get("/api/admin/users", params={"filter": "everyone"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "filter")


def test_deactivate_ends_sessions_and_restore_with_reasons_in_the_history(app: FastAPI) -> None:
    admin = client_for(app, "root@example.org", admin=True)
    org = client_for(app, "org@example.org", name="Organiser")
    make_challenge(org)
    user_id = org.get("/api/auth/me").json()["id"]

    detail = admin.get(f"/api/admin/users/{user_id}").json()
    assert detail["memberships"] == [
        {"slug": "hiv-testing", "title": detail["memberships"][0]["title"], "role": "organiser"}
    ]
    assert (detail["entries"], detail["live_sessions"], detail["history"]) == (0, 1, [])

    r = admin.patch(f"/api/admin/users/{user_id}", json={"is_active": False, "reason": "Spam"})
    assert r.status_code == 200, r.text
    assert r.json()["is_active"] is False
    assert org.get("/api/auth/me").status_code == 401  # its session ended at once
    r = anonymous(app).post(
        "/api/auth/login", json={"email": "org@example.org", "password": PASSWORD}
    )
    assert r.status_code == 401
    assert _ids(admin, filter="inactive") == ["org@example.org"]

    r = admin.patch(f"/api/admin/users/{user_id}", json={"is_active": True, "reason": "Appeal"})
    assert r.status_code == 200, r.text
    assert login(app, "org@example.org").get("/api/auth/me").status_code == 200
    history = admin.get(f"/api/admin/users/{user_id}").json()["history"]
    assert [(h["before"], h["after"], h["reason"], h["actor"]) for h in history] == [
        (
            {"is_active": False, "is_admin": False},
            {"is_active": True, "is_admin": False},
            "Appeal",
            "root",
        ),
        (
            {"is_active": True, "is_admin": False},
            {"is_active": False, "is_admin": False},
            "Spam",
            "root",
        ),
    ]


def test_grant_and_take_away_admin_never_yourself_nor_the_last(app: FastAPI) -> None:
    root = client_for(app, "root@example.org", admin=True)
    helper = client_for(app, "helper@example.org")
    root_id = root.get("/api/auth/me").json()["id"]
    helper_id = helper.get("/api/auth/me").json()["id"]

    r = root.patch(f"/api/admin/users/{root_id}", json={"is_admin": False, "reason": "Leaving"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "own_account")
    r = root.patch(f"/api/admin/users/{helper_id}", json={"is_admin": True, "reason": "Cover"})
    assert (r.status_code, r.json()["is_admin"]) == (200, True)
    assert helper.get("/api/admin/users").status_code == 200  # admin at once, same session
    # Now two: the helper may take root's admin away, and then root cannot return the favour.
    r = helper.patch(f"/api/admin/users/{root_id}", json={"is_admin": False, "reason": "Handover"})
    assert r.status_code == 200, r.text
    assert root.get("/api/admin/users").status_code == 403
    r = helper.patch(f"/api/admin/users/{helper_id}", json={"is_active": False, "reason": "x"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "own_account")
    # The helper is the last admin: restoring root is fine, taking the helper's away is not.
    r = root.patch(f"/api/admin/users/{helper_id}", json={"is_admin": False, "reason": "x"})
    assert r.status_code == 403

    r = helper.patch(f"/api/admin/users/{root_id}", json={"reason": "Nothing"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "is_active")
    r = helper.patch(f"/api/admin/users/{root_id}", json={"is_admin": True})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "reason")
    assert helper.get("/api/admin/users/2147483647").status_code == 404


def test_two_admins_demoting_each_other_leave_one(app: FastAPI) -> None:
    """Two admins, each taking the other's admin away at the same moment: the first change
    commits; the second, made by an admin who is no longer one, finds the target is the last
    admin and changes nothing. (The rows of active admins are locked while counting.)"""
    from sqlmodel import Session, select

    from app.admin.schemas import AdminUserUpdate
    from app.admin.service import update_user
    from app.core.errors import Conflict
    from app.models import User

    client_for(app, "a@example.org", admin=True)
    client_for(app, "b@example.org", admin=True)
    with Session(app.state.engine) as session:
        a, b = (
            session.exec(select(User).where(User.email == e)).one()
            for e in ("a@example.org", "b@example.org")
        )
        update_user(session, a, b.id, AdminUserUpdate(is_admin=False, reason="first"))  # type: ignore[arg-type]
    with Session(app.state.engine) as session:
        a, b = (
            session.exec(select(User).where(User.email == e)).one()
            for e in ("a@example.org", "b@example.org")
        )
        with pytest.raises(Conflict) as refused:
            update_user(session, b, a.id, AdminUserUpdate(is_admin=False, reason="second"))  # type: ignore[arg-type]
        assert refused.value.code == "last_admin"
    with Session(app.state.engine) as session:
        admins = session.exec(select(User.email).where(User.is_admin == True)).all()  # noqa: E712
    assert admins == ["a@example.org"]


def test_log_out_everywhere(app: FastAPI) -> None:
    admin = client_for(app, "root@example.org", admin=True)
    phone = client_for(app, "nurse@example.org")
    laptop = login(app, "nurse@example.org")
    user_id = phone.get("/api/auth/me").json()["id"]
    r = admin.post(f"/api/admin/users/{user_id}/sessions/end", json={"reason": "Lost phone"})
    assert (r.status_code, r.json()) == (200, {"ended": 2})
    assert phone.get("/api/auth/me").status_code == 401
    assert laptop.get("/api/auth/me").status_code == 401
    assert login(app, "nurse@example.org").get("/api/auth/me").status_code == 200  # may log in
    history = admin.get(f"/api/admin/users/{user_id}").json()["history"]
    assert [(h["action"], h["after"], h["reason"]) for h in history] == [
        ("user.sessions_end", {"sessions_ended": 2}, "Lost phone")
    ]
