"""Where mail goes: the console (development) or an SMTP server."""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from app.core.config import Settings
from app.models import OutboxMessage

log = logging.getLogger("opencall.mail")


def build_email(settings: Settings, message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


class MailBackend(Protocol):
    def send(self, email: EmailMessage) -> None: ...


class ConsoleBackend:
    """Prints each message to standard output: development needs no mail server."""

    def send(self, email: EmailMessage) -> None:
        body = email.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        sys.stdout.write(
            f"\n----- mail to {email['To']} -----\nSubject: {email['Subject']}\n\n{text}\n"
            "----- end of mail -----\n"
        )
        sys.stdout.flush()


class SMTPBackend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, email: EmailMessage) -> None:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.smtp_ssl:
            smtp = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        with smtp:
            if s.smtp_starttls and not s.smtp_ssl:
                smtp.starttls(context=context)
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            smtp.send_message(email)


def make_backend(settings: Settings) -> MailBackend:
    if settings.mail_backend == "smtp":
        return SMTPBackend(settings)
    return ConsoleBackend()
