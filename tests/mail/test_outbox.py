"""The outbox sender: real SMTP delivery, retries with backoff, shared by several senders."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.config import Settings
from app.core.db import utcnow
from app.mail.backends import ConsoleBackend, make_backend
from app.mail.outbox import queue_mail
from app.mail.sender import retry_delay, send_due
from app.main import create_app
from app.models import OutboxMessage
from tests.conftest import BASE_URL, free_port, register


def _queue(app: FastAPI, n: int) -> None:
    with Session(app.state.engine) as session:
        for i in range(n):
            queue_mail(
                session,
                app.state.settings,
                template="password_changed",
                to_address=f"r{i}@example.org",
                context={"display_name": f"R{i}"},
            )
        session.commit()


def _messages(app: FastAPI) -> list[OutboxMessage]:
    with Session(app.state.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def test_failed_send_is_retried_with_backoff_then_marked_failed(
    app: FastAPI, settings: Settings, mailbox
) -> None:
    _queue(app, 1)
    broken = settings.model_copy(
        update={"smtp_port": free_port(), "mail_max_attempts": 3, "smtp_timeout": 2}
    )
    assert send_due(app.state.engine, broken, make_backend(broken)) == 0
    [message] = _messages(app)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error and "ConnectionRefusedError" in message.last_error
    wait = message.next_attempt_at - utcnow()
    assert timedelta(seconds=25) < wait <= retry_delay(broken, 1)
    # Not due yet: nothing is tried.
    assert send_due(app.state.engine, broken, make_backend(broken)) == 0
    assert _messages(app)[0].attempts == 1

    def make_due() -> None:
        with Session(app.state.engine) as session:
            row = session.exec(select(OutboxMessage)).one()
            row.next_attempt_at = utcnow()
            session.add(row)
            session.commit()

    make_due()
    send_due(app.state.engine, broken, make_backend(broken))
    make_due()
    send_due(app.state.engine, broken, make_backend(broken))
    [message] = _messages(app)
    assert (message.status, message.attempts) == ("failed", 3)  # kept, never lost

    assert mailbox.messages == []


def test_backoff_doubles() -> None:
    settings = Settings(_env_file=None, mail_retry_base_seconds=30)  # type: ignore[call-arg]
    assert [retry_delay(settings, n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(settings, 30).total_seconds() == 6 * 3600


def test_a_message_recovers_when_the_server_returns(
    app: FastAPI, settings: Settings, mailbox
) -> None:
    _queue(app, 1)
    broken = settings.model_copy(update={"smtp_port": free_port()})
    send_due(app.state.engine, broken, make_backend(broken))
    with Session(app.state.engine) as session:
        row = session.exec(select(OutboxMessage)).one()
        row.next_attempt_at = utcnow()
        session.add(row)
        session.commit()
    assert send_due(app.state.engine, settings, make_backend(settings)) == 1
    [message] = _messages(app)
    assert (message.status, message.attempts, message.sent_at is not None) == ("sent", 2, True)
    assert len(mailbox.to("r0@example.org")) == 1


def test_concurrent_senders_deliver_each_message_once(
    app: FastAPI, settings: Settings, mailbox
) -> None:
    _queue(app, 30)
    barrier = threading.Barrier(3)
    counts: list[int] = []

    def sender() -> None:
        barrier.wait()
        counts.append(send_due(app.state.engine, settings, make_backend(settings)))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 30
    received = sorted(m["To"] for m in mailbox.messages)
    assert received == sorted(f"r{i}@example.org" for i in range(30))
    assert {m.status for m in _messages(app)} == {"sent"}


def test_console_backend_prints_the_text_body(
    app: FastAPI, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _queue(app, 1)
    console = settings.model_copy(update={"mail_backend": "console"})
    assert isinstance(make_backend(console), ConsoleBackend)
    assert send_due(app.state.engine, console, make_backend(console)) == 1
    out = capsys.readouterr().out
    assert "mail to r0@example.org" in out and "Hello R0," in out


def test_html_body_escapes_user_text(app: FastAPI, mailbox) -> None:
    with Session(app.state.engine) as session:
        queue_mail(
            session,
            app.state.settings,
            template="password_changed",
            to_address="x@example.org",
            context={"display_name": "<script>alert(1)</script>"},
        )
        session.commit()
    [message] = _messages(app)
    assert message.html_body is not None
    assert "<script>" not in message.html_body and "&lt;script&gt;" in message.html_body
    assert "<script>alert(1)</script>" in message.text_body


def test_in_app_sender_delivers_in_the_background(settings: Settings, mailbox) -> None:
    application = create_app(
        settings.model_copy(update={"mail_sender_in_app": True, "mail_poll_seconds": 0.2})
    )
    with TestClient(application, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
        register(c, email="bg@example.org")
        deadline = time.monotonic() + 20
        while not mailbox.to("bg@example.org"):
            assert time.monotonic() < deadline, "the background sender sent nothing"
            time.sleep(0.05)
    assert mailbox.to("bg@example.org")[0]["Subject"] == "Verify your e-mail address for OpenCall"
    from tests.conftest import empty_database

    empty_database(application.state.engine)
    application.state.engine.dispose()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_is_used_when_configured(app: FastAPI, settings: Settings) -> None:
    """A real aiosmtpd server that demands AUTH: the right login delivers, a wrong one retries."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    received: list[str] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.rcpt_tos[0])
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        login, password = (
            v.decode() if isinstance(v, bytes) else v for v in (auth_data.login, auth_data.password)
        )
        # handled=False: the server itself answers 235 or 535.
        return AuthResult(success=(login, password) == ("opencall", "mail-secret"), handled=False)

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        _queue(app, 1)
        wrong = settings.model_copy(
            update={
                "smtp_port": controller.port,
                "smtp_username": "opencall",
                "smtp_password": "nope",
            }
        )
        assert send_due(app.state.engine, wrong, make_backend(wrong)) == 0
        assert "SMTPAuthenticationError" in (_messages(app)[0].last_error or "")
        with Session(app.state.engine) as session:
            row = session.exec(select(OutboxMessage)).one()
            row.next_attempt_at = utcnow()
            session.add(row)
            session.commit()
        right = wrong.model_copy(update={"smtp_password": "mail-secret"})
        assert send_due(app.state.engine, right, make_backend(right)) == 1
        assert received == ["r0@example.org"]
    finally:
        controller.stop()
