"""Queue mail in the caller's transaction: the message exists exactly when the change does."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.config import Settings
from app.mail.kinds import OPTIONAL, kind_of
from app.models import MailPreference, Notification, OutboxMessage

TEMPLATE_DIR = Path(__file__).parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def translated(template: str, language: str | None) -> str:
    """The template's name in `language` where that translation exists (``NAME.fr``), else
    the English one. "fr-CA" falls back to "fr"."""
    for tag in _tags(language):
        if (TEMPLATE_DIR / f"{template}.{tag}.txt").exists():
            return f"{template}.{tag}"
    return template


def _tags(language: str | None) -> list[str]:
    if not language:
        return []
    tag = language.strip().lower().replace("_", "-")
    return [tag, tag.split("-")[0]] if "-" in tag else [tag]


def render(
    template: str, context: dict[str, Any], language: str | None = None
) -> tuple[str, str, str]:
    """Render a template's subject, text body and HTML body (``NAME.subject.txt`` etc.), in
    `language` where a translation exists."""
    name = translated(template, language)
    subject = _env.get_template(f"{name}.subject.txt").render(context).strip()
    text = _env.get_template(f"{name}.txt").render(context)
    html = _env.get_template(f"{name}.html").render(context)
    return subject, text, html


def unsubscribe_token(settings: Settings, user_id: int, kind: str) -> str:
    """A keyed hash naming one person and one kind of optional message: the one-click
    unsubscribe link works without logging in and cannot be forged for anyone else."""
    text = f"unsubscribe:{user_id}:{kind}".encode()
    digest = hmac.new(settings.secret_key.encode(), text, hashlib.sha256).hexdigest()[:32]
    return f"{user_id}.{kind}.{digest}"


def check_unsubscribe_token(settings: Settings, token: str) -> tuple[int, str] | None:
    """(user id, kind) when the token is one `unsubscribe_token` made, else None."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or parts[1] not in OPTIONAL:
        return None
    user_id, kind = int(parts[0]), parts[1]
    if not hmac.compare_digest(unsubscribe_token(settings, user_id, kind), token):
        return None
    return user_id, kind


def opted_out(session: Session, user_id: int | None, kind: str) -> bool:
    """Whether the person turned this optional kind of message off."""
    if user_id is None or kind not in OPTIONAL:
        return False
    preference = session.get(MailPreference, (user_id, kind))
    return preference is not None and not preference.enabled


@dataclass(frozen=True)
class Notice:
    """The in-app notification that goes with a message: a title, a line, a link."""

    title: str
    body: str = ""
    link: str | None = None


def queue_mail(
    session: Session,
    settings: Settings,
    *,
    template: str,
    to_address: str,
    context: dict[str, Any],
    user_id: int | None = None,
    kind: str | None = None,
    challenge_id: int | None = None,
    idempotency_key: str | None = None,
    language: str | None = None,
    notice: Notice | None = None,
    broadcast_id: int | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox; the caller's commit makes it real (and sendable).

    With `notice`, the person (when they have an account) also sees it on their page. An
    optional kind the person turned off is not mailed (the notice still shows). With an
    `idempotency_key` the message is queued at most once, ever: a second call with the same
    key adds nothing (the database's unique key decides, across workers and restarts), and
    None is returned."""
    kind = kind or kind_of(template)
    if idempotency_key is not None and used_keys(session, [idempotency_key]):
        return None
    added: list[Any] = []
    if notice is not None and user_id is not None:
        added.append(
            Notification(
                user_id=user_id,
                challenge_id=challenge_id,
                kind=kind,
                title=notice.title[:300],
                body=notice.body,
                link=notice.link,
                idempotency_key=idempotency_key,
            )
        )
    message = None
    if not opted_out(session, user_id, kind):
        message = _message(
            settings,
            template,
            context,
            language,
            kind=kind,
            idempotency_key=idempotency_key,
            challenge_id=challenge_id,
            broadcast_id=broadcast_id,
            to_address=to_address,
            user_id=user_id,
        )
        added.append(message)
    if idempotency_key is None:
        session.add_all(added)
        return message
    session.flush()  # the caller's own changes first, outside the savepoint below
    try:
        with session.begin_nested():  # a racing scheduler may take the key first
            session.add_all(added)
    except IntegrityError:
        return None
    return message


@dataclass(frozen=True)
class Outgoing:
    """One recipient's message in a batch for `queue_many`."""

    to_address: str
    user_id: int | None
    idempotency_key: str
    context: dict[str, Any]
    language: str | None = None
    notice: Notice | None = None


def queue_many(
    session: Session,
    settings: Settings,
    *,
    template: str,
    kind: str,
    items: list[Outgoing],
    challenge_id: int | None = None,
    broadcast_id: int | None = None,
) -> int:
    """`queue_mail` for many recipients of one event at once (a broadcast to thousands): the
    keys already used and the people who turned the kind off are read in a few queries, and
    every row goes in with one flush, instead of several round trips per person. Returns how
    many were queued (mail or notice). Should another sender queue the same keys meanwhile,
    it falls back to one at a time, which skips theirs."""
    used = used_keys(session, (item.idempotency_key for item in items))
    user_ids = [item.user_id for item in items if item.user_id is not None]
    off: set[int] = set()
    for start in range(0, len(user_ids), 500):
        ids = user_ids[start : start + 500]
        if kind in OPTIONAL:
            off.update(
                session.scalars(
                    select(MailPreference.user_id).where(
                        col(MailPreference.kind) == kind,
                        col(MailPreference.enabled).is_(False),
                        col(MailPreference.user_id).in_(ids),
                    )
                )
            )
    fresh = [item for item in items if item.idempotency_key not in used]
    rows: list[Any] = []
    for item in fresh:
        if item.notice is not None and item.user_id is not None:
            rows.append(
                Notification(
                    user_id=item.user_id,
                    challenge_id=challenge_id,
                    kind=kind,
                    title=item.notice.title[:300],
                    body=item.notice.body,
                    link=item.notice.link,
                    idempotency_key=item.idempotency_key,
                )
            )
        if item.user_id not in off:
            rows.append(
                _message(
                    settings,
                    template,
                    item.context,
                    item.language,
                    kind=kind,
                    idempotency_key=item.idempotency_key,
                    challenge_id=challenge_id,
                    broadcast_id=broadcast_id,
                    to_address=item.to_address,
                    user_id=item.user_id,
                )
            )
    session.flush()  # the caller's own changes first, outside the savepoint below
    try:
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        queued = 0
        for item in fresh:
            queued += (
                queue_mail(
                    session,
                    settings,
                    template=template,
                    to_address=item.to_address,
                    context=item.context,
                    user_id=item.user_id,
                    kind=kind,
                    challenge_id=challenge_id,
                    idempotency_key=item.idempotency_key,
                    language=item.language,
                    notice=item.notice,
                    broadcast_id=broadcast_id,
                )
                is not None
            )
        return queued
    return len(fresh)


def _message(
    settings: Settings,
    template: str,
    context: dict[str, Any],
    language: str | None,
    *,
    kind: str,
    user_id: int | None,
    **fields: Any,
) -> OutboxMessage:
    unsubscribe = (
        f"{settings.base_url}/api/unsubscribe?token={unsubscribe_token(settings, user_id, kind)}"
        if kind in OPTIONAL and user_id is not None
        else None
    )
    full_context = {
        "site_name": "OpenCall",
        "base_url": settings.base_url,
        "unsubscribe_url": unsubscribe,
        **context,
    }
    subject, text, html = render(template, full_context, language)
    domain = urlsplit(settings.base_url).hostname or "opencall.local"
    return OutboxMessage(
        message_id=f"<{secrets.token_hex(16)}@{domain}>",
        template=template,
        kind=kind,
        user_id=user_id,
        subject=subject,
        text_body=text,
        html_body=html,
        unsubscribe_url=unsubscribe,
        **fields,
    )


def used_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """The idempotency keys already taken, by a message or a notice (checked in batches)."""
    wanted = list(dict.fromkeys(keys))
    used: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for table in (OutboxMessage, Notification):
            used.update(
                k
                for k in session.scalars(
                    select(table.idempotency_key).where(col(table.idempotency_key).in_(chunk))
                )
                if k
            )
    return used
