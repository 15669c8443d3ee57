"""Queue mail in the caller's transaction: the message exists exactly when the change does."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import Session

from app.core.config import Settings
from app.models import OutboxMessage

TEMPLATE_DIR = Path(__file__).parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render a template's subject, text body and HTML body (``NAME.subject.txt`` etc.)."""
    subject = _env.get_template(f"{template}.subject.txt").render(context).strip()
    text = _env.get_template(f"{template}.txt").render(context)
    html = _env.get_template(f"{template}.html").render(context)
    return subject, text, html


def queue_mail(
    session: Session,
    settings: Settings,
    *,
    template: str,
    to_address: str,
    context: dict[str, Any],
    user_id: int | None = None,
) -> OutboxMessage:
    """Add a message to the outbox; the caller's commit makes it real (and sendable)."""
    full_context = {"site_name": "OpenCall", "base_url": settings.base_url, **context}
    subject, text, html = render(template, full_context)
    domain = urlsplit(settings.base_url).hostname or "opencall.local"
    message = OutboxMessage(
        message_id=f"<{secrets.token_hex(16)}@{domain}>",
        template=template,
        to_address=to_address,
        user_id=user_id,
        subject=subject,
        text_body=text,
        html_body=html,
    )
    session.add(message)
    return message
