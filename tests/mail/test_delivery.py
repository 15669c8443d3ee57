"""Delivery from the outbox to real aiosmtpd servers: two senders on their own engines share
it and send each message once, a restart sends nothing again, a mail server that is down and
comes back gets every message once, one connection carries a batch, a dropped connection is
opened again, and one refused message does not hold up the rest."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.core.config import Settings
from app.core.db import make_engine, utcnow
from app.mail.backends import build_email, make_backend
from app.mail.outbox import queue_mail
from app.mail.sender import LEASE_MARGIN, BackgroundSender, claim_due, send_batch, send_due
from app.models import OutboxMessage, User
from tests.conftest import Mailbox, free_port


def queue(
    engine: Engine, settings: Settings, n: int, *, prefix: str = "r", **fields: Any
) -> list[str]:
    """Queue `n` messages; returns their Message-IDs."""
    with Session(engine) as session:
        messages = [
            queue_mail(
                session,
                settings,
                template="password_changed",
                to_address=f"{prefix}{i}@example.org",
                context={"display_name": f"R{i}"},
                **fields,
            )
            for i in range(n)
        ]
        session.commit()
        return [m.message_id for m in messages if m is not None]


def outbox(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def received_ids(box: Mailbox) -> Counter[str]:
    with box.lock:
        return Counter(str(m["Message-ID"]) for m in box.messages)


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


class Server:
    """An aiosmtpd server of the test's own: records each message and each connection, and
    can refuse a recipient or drop the connection every few messages."""

    def __init__(
        self, port: int | None = None, refuse: frozenset[str] = frozenset(), drop_every: int = 0
    ) -> None:
        self.box = Mailbox()
        self.refuse = refuse
        self.drop_every = drop_every
        self.connections: set[tuple[str, int]] = set()
        self._per_connection: Counter[tuple[str, int]] = Counter()
        self.controller = Controller(self, hostname="127.0.0.1", port=port or free_port())

    @property
    def port(self) -> int:
        return int(self.controller.port)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.connections.add(session.peer)
        if self.drop_every and self._per_connection[session.peer] == self.drop_every:
            server.transport.close()  # as a server that closes idle or busy connections
            return "421 closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self._per_connection[session.peer] += 1
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.box.lock:
            self.box.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(**options: Any) -> Server:
        server = Server(**options)
        server.controller.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.controller.stop()


def test_two_senders_on_their_own_engines_send_each_message_once(
    app: FastAPI, settings: Settings, mailbox: Mailbox
) -> None:
    ids = queue(app.state.engine, settings, 200)
    engines = [make_engine(settings), make_engine(settings)]
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def sender(engine: Engine) -> None:
        barrier.wait()
        counts.append(send_due(engine, settings, make_backend(settings), batch=10))

    threads = [threading.Thread(target=sender, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for engine in engines:
        engine.dispose()

    assert sum(counts) == 200 and min(counts) > 0, counts  # both took part
    assert received_ids(mailbox) == Counter(ids)
    rows = outbox(app.state.engine)
    assert {(m.status, m.attempts, m.locked_until) for m in rows} == {("sent", 1, None)}

    # A restart: a new sender on a new engine finds nothing left to send.
    restarted = make_engine(settings)
    assert send_due(restarted, settings, make_backend(settings)) == 0
    restarted.dispose()
    assert received_ids(mailbox) == Counter(ids)


def test_a_claim_takes_at_most_its_batch_oldest_first(app: FastAPI, settings: Settings) -> None:
    ids = queue(app.state.engine, settings, 30)
    first, lease = claim_due(app.state.engine, batch=10)
    second, _ = claim_due(app.state.engine, batch=10)
    assert [m.message_id for m in first] == ids[:10]
    assert [m.message_id for m in second] == ids[10:20]
    assert {(m.attempts, m.locked_until) for m in first} == {(1, lease)}
    claimed = [m for m in outbox(app.state.engine) if m.locked_until is not None]
    assert [m.message_id for m in claimed] == ids[:20]


def test_a_batch_whose_lease_is_running_out_hands_back_what_it_has_not_sent(
    app: FastAPI, settings: Settings, mailbox: Mailbox
) -> None:
    """Another sender may take a message once its lease ends: none is sent that late."""
    queue(app.state.engine, settings, 3)
    messages, _ = claim_due(app.state.engine)
    soon = utcnow() + LEASE_MARGIN / 2  # as if the batch had been going for minutes
    with Session(app.state.engine) as session:
        session.execute(update(OutboxMessage).values(locked_until=soon))
        session.commit()
    with make_backend(settings).connection() as mail:
        assert send_batch(app.state.engine, settings, mail, messages, soon) == 0
    assert mailbox.messages == []
    rows = outbox(app.state.engine)
    assert {(m.status, m.attempts, m.locked_until) for m in rows} == {("pending", 0, None)}
    assert send_due(app.state.engine, settings, make_backend(settings)) == 3


def test_a_crashed_senders_claim_expires_and_another_sends_once(
    app: FastAPI, settings: Settings, mailbox: Mailbox
) -> None:
    ids = queue(app.state.engine, settings, 5)
    claimed, _lease = claim_due(app.state.engine, batch=3)  # then the sender dies
    assert len(claimed) == 3 and {m.attempts for m in claimed} == {1}

    restarted = make_engine(settings)
    # Under their lease the three wait; the other two go.
    assert send_due(restarted, settings, make_backend(settings)) == 2
    with Session(restarted) as session:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.locked_until).is_not(None))
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    assert send_due(restarted, settings, make_backend(settings)) == 3
    assert send_due(restarted, settings, make_backend(settings)) == 0
    restarted.dispose()
    assert received_ids(mailbox) == Counter(ids)
    assert sorted(m.attempts for m in outbox(app.state.engine)) == [1, 1, 2, 2, 2]


def worker_process(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """`opencall worker`, the real command, on the test database and SMTP server."""
    env = {
        **os.environ,
        "OPENCALL_ENVIRONMENT": "test",
        "OPENCALL_DATABASE_URL": settings.database_url,
        "OPENCALL_SECRET_KEY": settings.secret_key,
        "OPENCALL_MAIL_BACKEND": "smtp",
        "OPENCALL_SMTP_HOST": settings.smtp_host,
        "OPENCALL_SMTP_PORT": str(settings.smtp_port),
        "OPENCALL_MAIL_POLL_SECONDS": "0.1",
    }
    opencall = Path(sys.executable).with_name("opencall")
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(opencall), "worker"], env=env, cwd=log.parent, stdout=out, stderr=out
        )


def test_two_worker_processes_and_a_restart_send_each_message_once(
    app: FastAPI, settings: Settings, mailbox: Mailbox, tmp_path: Path
) -> None:
    log = tmp_path / "workers.log"

    def started(n: int) -> None:  # each says so once it would stop cleanly on SIGTERM
        wait_for(lambda: log.read_text().count("mail worker started") == n, 60)

    workers = [worker_process(settings, log), worker_process(settings, log)]
    try:
        started(2)
        first = queue(app.state.engine, settings, 100, prefix="a")
        wait_for(lambda: sum(received_ids(mailbox).values()) >= 100, 60)
        wait_for(lambda: {m.status for m in outbox(app.state.engine)} == {"sent"})
        # A restart: SIGTERM stops a worker after its batch; a new one takes its place.
        workers[0].terminate()
        assert workers[0].wait(timeout=30) == 0, log.read_text()
        workers[0] = worker_process(settings, log)
        started(3)
        second = queue(app.state.engine, settings, 50, prefix="b")
        wait_for(lambda: sum(received_ids(mailbox).values()) >= 150, 60)
        wait_for(lambda: {m.status for m in outbox(app.state.engine)} == {"sent"})
        time.sleep(0.5)  # two polls more: anything sent twice would have arrived by now
    finally:
        for worker in workers:
            worker.terminate()
        codes = [worker.wait(timeout=30) for worker in workers]
    assert codes == [0, 0], log.read_text()
    assert received_ids(mailbox) == Counter(first + second)
    assert {m.attempts for m in outbox(app.state.engine)} == {1}


def test_mail_server_down_for_a_while_then_up_every_message_once(
    app: FastAPI, settings: Settings, smtp: Callable[..., Server]
) -> None:
    port = free_port()  # nothing listens here yet
    down = settings.model_copy(
        update={
            "smtp_port": port,
            "mail_retry_base_seconds": 0.1,
            "mail_max_attempts": 30,
            "mail_poll_seconds": 0.05,
        }
    )
    ids = queue(app.state.engine, settings, 40)
    engines = [make_engine(down), make_engine(down)]
    senders = [BackgroundSender(engine, down) for engine in engines]
    for sender in senders:
        sender.start()
    try:
        wait_for(lambda: all(m.attempts >= 2 for m in outbox(app.state.engine)))
        rows = outbox(app.state.engine)
        assert {m.status for m in rows} == {"pending"}
        assert all("ConnectionRefusedError" in (m.last_error or "") for m in rows)

        server = smtp(port=port)  # the server comes back
        wait_for(lambda: {m.status for m in outbox(app.state.engine)} == {"sent"})
    finally:
        for sender in senders:
            sender.stop()
        for engine in engines:
            engine.dispose()
    assert received_ids(server.box) == Counter(ids)


def test_a_batch_goes_over_one_connection(
    app: FastAPI, settings: Settings, smtp: Callable[..., Server]
) -> None:
    server = smtp()
    ids = queue(app.state.engine, settings, 20)
    here = settings.model_copy(update={"smtp_port": server.port})
    assert send_due(app.state.engine, here, make_backend(here)) == 20
    assert received_ids(server.box) == Counter(ids)
    assert len(server.connections) == 1


def test_a_dropped_connection_is_opened_again(
    app: FastAPI, settings: Settings, smtp: Callable[..., Server]
) -> None:
    server = smtp(drop_every=3)
    ids = queue(app.state.engine, settings, 10)
    here = settings.model_copy(update={"smtp_port": server.port})
    assert send_due(app.state.engine, here, make_backend(here)) == 10
    assert received_ids(server.box) == Counter(ids)
    assert len(server.connections) == 4  # 3 + 3 + 3 + 1 messages
    assert {(m.status, m.attempts) for m in outbox(app.state.engine)} == {("sent", 1)}


def test_one_refused_message_does_not_hold_up_the_others(
    app: FastAPI, settings: Settings, smtp: Callable[..., Server]
) -> None:
    server = smtp(refuse=frozenset({"r2@example.org"}))
    ids = queue(app.state.engine, settings, 5)
    here = settings.model_copy(update={"smtp_port": server.port})
    assert send_due(app.state.engine, here, make_backend(here)) == 4
    assert received_ids(server.box) == Counter(ids[:2] + ids[3:])
    assert len(server.connections) == 1
    by_address = {m.to_address: m for m in outbox(app.state.engine)}
    refused = by_address.pop("r2@example.org")
    assert (refused.status, refused.attempts) == ("pending", 1)
    assert refused.last_error and "SMTPRecipientsRefused" in refused.last_error
    assert refused.next_attempt_at > utcnow()
    assert {m.status for m in by_address.values()} == {"sent"}


def test_the_message_id_is_the_same_on_every_try(
    app: FastAPI, settings: Settings, smtp: Callable[..., Server]
) -> None:
    """A temporary refusal, then delivery: both tries carried the stored Message-ID."""
    seen: list[str] = []

    class Greylisting(Server):
        async def handle_DATA(self, server, session, envelope):
            message = message_from_bytes(envelope.original_content, policy=policy.default)
            seen.append(str(message["Message-ID"]))
            if len(seen) == 1:
                return "451 try again later"
            return await super().handle_DATA(server, session, envelope)

    server = Greylisting()
    server.controller.start()
    try:
        [message_id] = queue(app.state.engine, settings, 1)
        here = settings.model_copy(update={"smtp_port": server.port})
        assert send_due(app.state.engine, here, make_backend(here)) == 0
        with Session(app.state.engine) as session:
            session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
            session.commit()
        assert send_due(app.state.engine, here, make_backend(here)) == 1
    finally:
        server.controller.stop()
    assert seen == [message_id, message_id]
    assert received_ids(server.box) == Counter([message_id])


def test_the_last_failure_sets_failed_at(app: FastAPI, settings: Settings) -> None:
    queue(app.state.engine, settings, 1)
    down = settings.model_copy(update={"smtp_port": free_port(), "mail_max_attempts": 1})
    before = utcnow()
    assert send_due(app.state.engine, down, make_backend(down)) == 0
    [message] = outbox(app.state.engine)
    assert (message.status, message.attempts, message.locked_until) == ("failed", 1, None)
    assert message.failed_at is not None and before <= message.failed_at <= utcnow()


def test_optional_mail_carries_one_click_unsubscribe_headers(
    app: FastAPI, settings: Settings, mailbox: Mailbox
) -> None:
    with Session(app.state.engine) as session:
        user = User(email="u@example.org", display_name="U", password_hash="x")
        session.add(user)
        session.commit()
        user_id = user.id
    [optional] = queue(
        app.state.engine, settings, 1, prefix="opt", kind="judge_reminder", user_id=user_id
    )
    [transactional] = queue(app.state.engine, settings, 1, prefix="tx", user_id=user_id)
    assert send_due(app.state.engine, settings, make_backend(settings)) == 2
    by_id: dict[str, EmailMessage] = {str(m["Message-ID"]): m for m in mailbox.messages}
    stored = {m.message_id: m for m in outbox(app.state.engine)}
    url = stored[optional].unsubscribe_url
    assert url and url.startswith("http://testserver/api/unsubscribe?token=")
    headers = by_id[optional]
    assert (headers["List-Unsubscribe"], headers["List-Unsubscribe-Post"]) == (
        f"<{url}>",
        "List-Unsubscribe=One-Click",
    )
    assert stored[transactional].unsubscribe_url is None
    assert by_id[transactional]["List-Unsubscribe"] is None
    assert by_id[transactional]["List-Unsubscribe-Post"] is None


def test_build_email_adds_the_headers_only_with_an_unsubscribe_url(settings: Settings) -> None:
    message = OutboxMessage(
        message_id="<abc@testserver>",
        template="t",
        to_address="a@example.org",
        subject="Hello",
        text_body="Hi",
    )
    assert "List-Unsubscribe" not in build_email(settings, message)
    message.unsubscribe_url = "http://testserver/api/unsubscribe?token=1.broadcast.x"
    email = build_email(settings, message)
    assert email["List-Unsubscribe"] == "<http://testserver/api/unsubscribe?token=1.broadcast.x>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email["Message-ID"] == "<abc@testserver>"


def test_postgresql_claims_with_skip_locked_and_sqlite_with_the_same_conditional_update(
    app: FastAPI,
) -> None:
    """The claim's SQL on each database (the two-sender tests run it for real, and on
    PostgreSQL would take more than their batch if the pick were rescanned)."""
    statements: list[str] = []
    engine: Engine = app.state.engine

    def keep(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        claim_due(engine)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    [claim] = [s for s in statements if "UPDATE outbox_message" in s]
    if engine.dialect.name == "postgresql":
        # Picked once (a materialised CTE), skipping rows another sender has locked.
        assert claim.startswith("WITH due AS MATERIALIZED")
        assert "FOR UPDATE SKIP LOCKED" in claim
    else:
        assert claim.startswith("UPDATE outbox_message") and "FOR UPDATE" not in claim
    assert "RETURNING" in claim
    assert claim.count("outbox_message.status = ") == 2  # picked, and checked again
