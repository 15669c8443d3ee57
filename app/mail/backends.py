"""Where mail goes: the console (development) or an SMTP server.

A backend opens a connection for a batch (``with backend.connection() as conn:
conn.send(email)``), so a sender pays for the TCP, TLS and login handshakes once per batch,
not once per message.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from app.core.config import Settings
from app.models import OutboxMessage

log = logging.getLogger("opencall.mail")


def build_email(settings: Settings, message: OutboxMessage) -> EmailMessage:
    """The message as it goes out. Its ``Message-ID`` is the one stored with it, so every
    retry of a message carries the same one; optional mail carries the one-click unsubscribe
    headers of RFC 8058."""
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Auto-Submitted"] = "auto-generated"
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


class MailConnection(Protocol):
    def send(self, email: EmailMessage) -> None: ...


class MailBackend(Protocol):
    def connection(self) -> AbstractContextManager[MailConnection]: ...

    def send(self, email: EmailMessage) -> None: ...


class ConsoleBackend:
    """Prints each message to standard output: development needs no mail server."""

    @contextmanager
    def connection(self) -> Iterator[ConsoleBackend]:
        yield self

    def send(self, email: EmailMessage) -> None:
        body = email.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        sys.stdout.write(
            f"\n----- mail to {email['To']} -----\nSubject: {email['Subject']}\n\n{text}\n"
            "----- end of mail -----\n"
        )
        sys.stdout.flush()


def _dropped(exc: Exception) -> bool:
    """The server closed the connection (idle too long, too many messages on it, 421)."""
    return isinstance(exc, smtplib.SMTPServerDisconnected) or (
        isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421
    )


class SMTPConnection:
    """One SMTP session for a batch: opened at the first message, reused for the rest.

    A connection the server dropped is opened again once per message. When the server
    cannot be reached at all, the rest of the batch gets the same error without trying
    again, so a server that times out costs one timeout per batch, not one per message."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: Exception | None = None

    def send(self, email: EmailMessage) -> None:
        smtp = self._connected()
        try:
            smtp.send_message(email)
        except Exception as exc:
            if not _dropped(exc):
                raise
            log.info("the SMTP server dropped the connection; opening it again")
            self.close()
            self._connected().send_message(email)

    def _connected(self) -> smtplib.SMTP:
        if self._unreachable is not None:
            raise self._unreachable
        if self._smtp is None:
            try:
                self._smtp = self._open()
            except Exception as exc:
                self._unreachable = exc
                raise
        return self._smtp

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.smtp_ssl:
            smtp = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        try:
            if s.smtp_starttls and not s.smtp_ssl:
                smtp.starttls(context=context)
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
        except Exception:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()  # already gone: nothing to say goodbye to


class SMTPBackend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @contextmanager
    def connection(self) -> Iterator[SMTPConnection]:
        conn = SMTPConnection(self.settings)
        try:
            yield conn
        finally:
            conn.close()

    def send(self, email: EmailMessage) -> None:
        """One message on a connection of its own."""
        with self.connection() as conn:
            conn.send(email)


def make_backend(settings: Settings) -> MailBackend:
    if settings.mail_backend == "smtp":
        return SMTPBackend(settings)
    return ConsoleBackend()
