"""What organisers and admins see of the mail: each call's log (only that call's messages,
never their text), every call's failed mail for admins, and sending a failed message again."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.core.config import Settings
from app.mail.backends import make_backend
from app.mail.outbox import queue_mail
from app.mail.sender import send_due
from app.models import AuditEvent, OutboxMessage
from tests.conftest import Mailbox, deliver_mail, free_port
from tests.factories import client_for, make_challenge

LOG_KEYS = {
    "id",
    "challenge_id",
    "to_address",
    "kind",
    "template",
    "subject",
    "status",
    "attempts",
    "created_at",
    "next_attempt_at",
    "sent_at",
    "failed_at",
    "last_error",
}


def queue_one(app: FastAPI, to: str, challenge_id: int | None, kind: str | None = None) -> int:
    with Session(app.state.engine) as session:
        message = queue_mail(
            session,
            app.state.settings,
            template="password_changed",
            to_address=to,
            context={"display_name": "Someone"},
            challenge_id=challenge_id,
            kind=kind,
        )
        session.commit()
        assert message is not None and message.id is not None
        return message.id


def fail_pending(app: FastAPI, settings: Settings) -> None:
    """Every pending message tried once against a closed port, with one attempt allowed."""
    down = settings.model_copy(update={"smtp_port": free_port(), "mail_max_attempts": 1})
    assert send_due(app.state.engine, down, make_backend(down)) == 0


def ids_of(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


def test_a_calls_log_lists_only_its_messages_newest_first_without_their_text(
    app: FastAPI, settings: Settings, mailbox: Mailbox
) -> None:
    org = client_for(app, "org@example.org")
    a = make_challenge(org, "call-a")["id"]
    b = make_challenge(org, "call-b")["id"]
    deliver_mail(app)  # the accounts' own mail first
    failed = queue_one(app, "gone@example.org", a)
    fail_pending(app, settings)
    receipt = queue_one(app, "Ama@Example.org", a, kind="entry_receipt")
    reminder = queue_one(app, "bo@example.org", a, kind="judge_reminder")
    other = queue_one(app, "other@example.org", b)
    queue_one(app, "account@example.org", None)
    deliver_mail(app)
    waiting = queue_one(app, "late@example.org", a)

    page = org.get("/api/challenges/call-a/mail").json()
    assert ids_of(page) == [waiting, reminder, receipt, failed]
    assert page["next_cursor"] is None
    assert all(set(item) == LOG_KEYS for item in page["items"])  # no bodies
    by_id = {item["id"]: item for item in page["items"]}
    assert [(by_id[i]["status"], by_id[i]["to_address"]) for i in ids_of(page)] == [
        ("pending", "late@example.org"),
        ("sent", "bo@example.org"),
        ("sent", "Ama@Example.org"),
        ("failed", "gone@example.org"),
    ]
    assert by_id[failed]["failed_at"] and "ConnectionRefusedError" in by_id[failed]["last_error"]
    assert by_id[receipt]["sent_at"] and by_id[receipt]["subject"]
    assert {item["challenge_id"] for item in page["items"]} == {a}

    assert ids_of(org.get("/api/challenges/call-b/mail").json()) == [other]

    def listed(**query: str) -> list[int]:
        r = org.get("/api/challenges/call-a/mail", params=query)
        assert r.status_code == 200, r.text
        return ids_of(r.json())

    assert listed(status="failed") == [failed]
    assert listed(status="sent") == [reminder, receipt]
    assert listed(status="pending") == [waiting]
    assert listed(kind="entry_receipt") == [receipt]
    assert listed(to="ama@example.org") == [receipt]
    assert listed(status="sent", to="nobody@example.org") == []

    first = org.get("/api/challenges/call-a/mail", params={"limit": 3}).json()
    rest = org.get(
        "/api/challenges/call-a/mail", params={"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert (ids_of(first), ids_of(rest), rest["next_cursor"]) == (
        [waiting, reminder, receipt],
        [failed],
        None,
    )

    r = org.get("/api/challenges/call-a/mail", params={"status": "lost"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "status"
    r = org.get("/api/challenges/call-a/mail", params={"cursor": "not-a-cursor"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_cursor")


def test_admins_see_every_calls_failed_mail_and_send_it_again(
    app: FastAPI, settings: Settings, mailbox: Mailbox
) -> None:
    org = client_for(app, "org@example.org")
    admin = client_for(app, "admin@example.org", admin=True)
    a = make_challenge(org, "call-a")["id"]
    deliver_mail(app)
    in_call = queue_one(app, "ama@example.org", a)
    account = queue_one(app, "bo@example.org", None)
    fail_pending(app, settings)
    queue_one(app, "fine@example.org", a)
    deliver_mail(app)

    page = admin.get("/api/admin/mail", params={"status": "failed"}).json()
    assert ids_of(page) == [account, in_call]
    items = {item["id"]: item for item in page["items"]}
    assert items[in_call]["challenge"] == {
        "slug": "call-a",
        "title": "HIV testing for young people",
    }
    assert items[account]["challenge"] is None
    assert set(items[in_call]) == LOG_KEYS | {"challenge"}
    assert items[in_call]["failed_at"] and items[in_call]["attempts"] == 1
    everything = admin.get("/api/admin/mail").json()
    assert len(everything["items"]) > 2 and everything["next_cursor"] is None

    r = admin.post(f"/api/admin/mail/{in_call}/retry")
    assert r.status_code == 200, r.text
    retried = r.json()
    assert (retried["status"], retried["attempts"], retried["failed_at"]) == ("pending", 0, None)
    r = admin.post(f"/api/admin/mail/{in_call}/retry")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "mail_not_failed")
    r = admin.post("/api/admin/mail/999999/retry")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")
    r = admin.post(f"/api/admin/mail/{2**40}/retry")  # beyond any id: refused, not a 500
    assert (r.status_code, r.json()["error"]["field"]) == (422, "message_id")

    with Session(app.state.engine) as session:
        [event] = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "mail.retry")
        ).all()
        message = session.get(OutboxMessage, in_call)
        assert message is not None
        stored_id = message.message_id
    assert (event.object_type, event.object_id, event.challenge_id) == (
        "outbox_message",
        in_call,
        a,
    )
    assert (event.before, event.after) == (
        {"status": "failed", "attempts": 1},
        {"status": "pending", "attempts": 0},
    )
    audit = org.get("/api/challenges/call-a/audit", params={"action": "mail.retry"}).json()
    assert [(e["object_id"], e["actor"]["display_name"]) for e in audit["items"]] == [
        (in_call, "admin")
    ]

    mailbox.clear()
    assert deliver_mail(app) == 1
    [received] = mailbox.to("ama@example.org")
    assert received["Message-ID"] == stored_id
    assert ids_of(admin.get("/api/admin/mail", params={"status": "failed"}).json()) == [account]
    [sent] = [
        i for i in org.get("/api/challenges/call-a/mail").json()["items"] if i["id"] == in_call
    ]
    assert (sent["status"], sent["attempts"]) == ("sent", 1)

    # Account mail belongs to no call: its retry is audited without one.
    assert admin.post(f"/api/admin/mail/{account}/retry").status_code == 200
    assert deliver_mail(app) == 1
    assert len(mailbox.to("bo@example.org")) == 1
    assert admin.get("/api/admin/mail", params={"status": "failed"}).json()["items"] == []
    with Session(app.state.engine) as session:
        retries = session.exec(
            select(AuditEvent.object_id, AuditEvent.challenge_id)
            .where(col(AuditEvent.action) == "mail.retry")
            .order_by(col(AuditEvent.id))
        ).all()
    assert retries == [(in_call, a), (account, None)]
