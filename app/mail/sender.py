"""Send what the outbox holds: claim due messages, send them, retry failures with backoff.

Several senders (the app's background thread, any number of ``opencall worker`` processes)
may run at once. Each claims a batch of due messages in one statement that also takes a
lease on them (``locked_until``) and counts the attempt: on PostgreSQL the batch is chosen
with ``FOR UPDATE SKIP LOCKED``, so senders never wait for each other and never take the same
row; on SQLite, whose writes are serialised, the same conditional update does (one sender in
practice). A crashed sender's lease simply expires and another sender takes the messages.

A batch goes out over one SMTP connection; each message gets its own outcome (sent, or a
retry after exponential backoff, or failed after the last attempt), written as soon as the
server has answered for it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from app.audit.service import record
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import Conflict, NotFound
from app.mail.backends import MailBackend, MailConnection, build_email, make_backend
from app.mail.schedule import schedule_due
from app.models import OutboxMessage, User

log = logging.getLogger("opencall.mail")

LEASE = timedelta(minutes=5)
# A batch stops this long before its lease runs out and hands back what it has not sent, so
# no message is still being sent by one sender when another may take it.
LEASE_MARGIN = timedelta(minutes=1)
BATCH = 50

_table = OutboxMessage.__table__  # type: ignore[attr-defined]


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base …, capped at six hours."""
    seconds = settings.mail_retry_base_seconds * (2 ** max(0, attempts - 1))
    return timedelta(seconds=min(seconds, 6 * 3600))


def _due(now: datetime) -> Any:
    return and_(
        col(OutboxMessage.status) == "pending",
        col(OutboxMessage.next_attempt_at) <= now,
        or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now),
    )


def claim_due(engine: Engine, batch: int = BATCH) -> tuple[list[OutboxMessage], datetime]:
    """Claim up to `batch` due messages, oldest due first, in one transaction: their lease is
    taken and their attempt counted in the same statement that picks them. Returns the
    messages and the lease's end."""
    now = utcnow()
    lease = now + LEASE
    pick = (
        select(OutboxMessage.id)
        .where(_due(now))
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(batch)
    )
    if engine.dialect.name == "postgresql":
        # Picked once, in a materialised CTE: as an IN (subquery) the planner may rescan it
        # per row, locking more than `batch` rows.
        due = pick.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        picked = col(OutboxMessage.id) == due.c.id
    else:
        picked = col(OutboxMessage.id).in_(pick.scalar_subquery())
    claim = (
        update(OutboxMessage)
        # The conditions again: on SQLite they are what makes the claim exclusive.
        .where(picked, _due(now))
        .values(locked_until=lease, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    with Session(engine, expire_on_commit=False) as session:
        messages = list(session.scalars(claim).all())
        session.commit()
    messages.sort(key=lambda m: (m.next_attempt_at, m.id or 0))
    return messages, lease


def _finish(conn: Connection, message: OutboxMessage, lease: datetime, **values: Any) -> bool:
    """Write a message's outcome, if this sender still holds its lease."""
    result = conn.execute(
        update(_table)
        .where(_table.c.id == message.id, _table.c.locked_until == lease)
        .values(locked_until=None, **values)
    )
    conn.commit()
    if result.rowcount != 1:
        log.warning("mail %s: the lease ran out before its outcome was written", message.id)
        return False
    return True


def _failed(
    conn: Connection, settings: Settings, message: OutboxMessage, lease: datetime, exc: Exception
) -> None:
    error = f"{exc.__class__.__name__}: {exc}"[:500]
    now = utcnow()
    if message.attempts >= settings.mail_max_attempts:
        _finish(conn, message, lease, status="failed", failed_at=now, last_error=error)
        log.error("mail %s failed for good after %s attempts", message.id, message.attempts)
    else:
        retry_at = now + retry_delay(settings, message.attempts)
        _finish(conn, message, lease, next_attempt_at=retry_at, last_error=error)
        log.warning("mail %s failed (attempt %s), will retry", message.id, message.attempts)


def _hand_back(conn: Connection, messages: list[OutboxMessage], lease: datetime) -> None:
    """Give back claimed messages this sender will not send (their attempt is not counted)."""
    conn.execute(
        update(_table)
        .where(_table.c.id.in_([m.id for m in messages]), _table.c.locked_until == lease)
        .values(locked_until=None, attempts=_table.c.attempts - 1)
    )
    conn.commit()


def send_batch(
    engine: Engine,
    settings: Settings,
    mail: MailConnection,
    messages: list[OutboxMessage],
    lease: datetime,
) -> int:
    """Send claimed messages over one connection; return how many were sent."""
    sent = 0
    stop_at = lease - LEASE_MARGIN
    with engine.connect() as conn:
        for index, message in enumerate(messages):
            if utcnow() >= stop_at:
                _hand_back(conn, messages[index:], lease)
                break
            try:
                mail.send(build_email(settings, message))
            except Exception as exc:  # any failure of the mail server is retried later
                _failed(conn, settings, message, lease, exc)
            else:
                _finish(conn, message, lease, status="sent", sent_at=utcnow())
                sent += 1
    return sent


def send_due(
    engine: Engine,
    settings: Settings,
    backend: MailBackend,
    batch: int = BATCH,
    stop: threading.Event | None = None,
) -> int:
    """Send every message that is due now, a batch at a time; return how many were sent."""
    sent = 0
    while stop is None or not stop.is_set():
        messages, lease = claim_due(engine, batch)
        if not messages:
            break
        with backend.connection() as mail:
            sent += send_batch(engine, settings, mail, messages, lease)
    return sent


def retry_failed(session: Session, message_id: int, admin: User) -> OutboxMessage:
    """Put a failed message back in the queue, due now, with its attempts counted afresh
    (audited). Only a failed message: one that is pending or sent is left alone."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("No such message.")
    before = {"status": message.status, "attempts": message.attempts}
    now = utcnow()
    # Conditional, so two admins retrying at once put it back once.
    result = session.execute(
        update(_table)
        .where(_table.c.id == message_id, _table.c.status == "failed")
        .values(
            status="pending", attempts=0, next_attempt_at=now, locked_until=None, failed_at=None
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(
            f"Only a failed message can be sent again; this one is {message.status}.",
            code="mail_not_failed",
        )
    record(
        session,
        actor=admin,
        action="mail.retry",
        object_type="outbox_message",
        object_id=message_id,
        challenge_id=message.challenge_id,
        before=before,
        after={"status": "pending", "attempts": 0},
    )
    session.commit()
    session.refresh(message)
    return message


class Every:
    """A clock that is due at once, then every `seconds` (the scheduler's pace)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.last: float | None = None

    def due(self) -> bool:
        now = time.monotonic()
        if self.last is not None and now - self.last < self.seconds:
            return False
        self.last = now
        return True


def schedule_if_due(engine: Engine, settings: Settings, clock: Every) -> None:
    """Queue the date-driven messages come due (app/mail/schedule.py), at the clock's pace;
    any number of senders may do it at once (each message's key is taken once)."""
    if not clock.due():
        return
    try:
        queued = schedule_due(engine, settings)
    except Exception:  # the database may be down; the next round tries again
        log.warning("mail scheduler could not reach the database; retrying", exc_info=True)
        return
    if queued:
        log.info("scheduled %s date-driven message(s)", queued)


class BackgroundSender:
    """The in-app sender: a daemon thread polling the outbox until stopped."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.backend = make_backend(settings)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="opencall-mail", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Send soon, without waiting for the next poll (after a commit that queued mail)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop after the batch being sent (its outcomes are written first)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        clock = Every(self.settings.mail_schedule_seconds)
        while not self._stop.is_set():
            self._wake.clear()
            schedule_if_due(self.engine, self.settings, clock)
            try:
                send_due(self.engine, self.settings, self.backend, stop=self._stop)
            except Exception:  # the database may be down; keep polling
                log.warning("mail sender could not reach the outbox; retrying", exc_info=True)
            self._wake.wait(self.settings.mail_poll_seconds)


def run_worker(
    engine: Engine, settings: Settings, once: bool = False, stop: threading.Event | None = None
) -> None:
    """``opencall worker``: the sender as its own process, for larger setups. SIGTERM and
    SIGINT stop it after the batch being sent, so a restart sends nothing twice."""
    backend = make_backend(settings)
    stop = stop or threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    log.info("mail worker started, polling every %s s", settings.mail_poll_seconds)
    clock = Every(settings.mail_schedule_seconds)
    try:
        while not stop.is_set():
            schedule_if_due(engine, settings, clock)
            try:
                send_due(engine, settings, backend, stop=stop)
            except Exception:
                log.warning("mail worker could not reach the outbox; retrying", exc_info=True)
            if once:
                return
            stop.wait(settings.mail_poll_seconds)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        log.info("mail worker stopped")
