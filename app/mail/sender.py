"""Send what the outbox holds: claim due messages, send them, retry failures with backoff.

Several senders (the app's background thread, any number of ``opencall worker`` processes)
may run at once: each message is claimed by a conditional update that only one of them can
win, under a lease that expires if the sender dies mid-send.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.core.config import Settings
from app.core.db import utcnow
from app.mail.backends import MailBackend, build_email, make_backend
from app.models import OutboxMessage

log = logging.getLogger("opencall.mail")

LEASE = timedelta(minutes=5)


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base …, capped at six hours."""
    seconds = settings.mail_retry_base_seconds * (2 ** max(0, attempts - 1))
    return timedelta(seconds=min(seconds, 6 * 3600))


def _claim(session: Session, message_id: int) -> bool:
    now = utcnow()
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.status) == "pending",
            col(OutboxMessage.next_attempt_at) <= now,
            or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now),
        )
        .values(locked_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def send_due(engine: Engine, settings: Settings, backend: MailBackend, batch: int = 50) -> int:
    """Send every message that is due now; return how many were sent."""
    sent = 0
    with Session(engine, expire_on_commit=False) as session:
        now = utcnow()
        due = session.exec(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == "pending",
                col(OutboxMessage.next_attempt_at) <= now,
                or_(
                    col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now
                ),
            )
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(batch)
        ).all()
        session.commit()
        for message_id in due:
            assert message_id is not None
            if not _claim(session, message_id):
                continue  # another sender took it
            message = session.get(OutboxMessage, message_id, populate_existing=True)
            assert message is not None
            try:
                backend.send(build_email(settings, message))
            except Exception as exc:  # any failure of the mail server is retried later
                message.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
                message.locked_until = None
                if message.attempts >= settings.mail_max_attempts:
                    message.status = "failed"
                    log.error("mail %s to user %s failed for good", message.id, message.user_id)
                else:
                    message.next_attempt_at = utcnow() + retry_delay(settings, message.attempts)
                    log.warning(
                        "mail %s failed (attempt %s), will retry", message.id, message.attempts
                    )
            else:
                message.status = "sent"
                message.sent_at = utcnow()
                message.locked_until = None
                sent += 1
            session.add(message)
            session.commit()
    return sent


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
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                send_due(self.engine, self.settings, self.backend)
            except Exception:  # the database may be down; keep polling
                log.warning("mail sender could not reach the outbox; retrying", exc_info=True)
            self._wake.wait(self.settings.mail_poll_seconds)
            self._wake.clear()


def run_worker(engine: Engine, settings: Settings, once: bool = False) -> None:
    """``opencall worker``: the sender as its own process, for larger setups."""
    backend = make_backend(settings)
    stop = threading.Event()
    while not stop.is_set():
        try:
            send_due(engine, settings, backend)
        except Exception:
            log.warning("mail worker could not reach the outbox; retrying", exc_info=True)
        if once:
            return
        stop.wait(settings.mail_poll_seconds)
