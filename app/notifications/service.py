"""Each person's choice of optional mail, one-click unsubscribing, and their in-app
notifications."""

from __future__ import annotations

from functools import cache

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import BadRequest, NotFound, Unprocessable
from app.core.pagination import paginate_by_id
from app.mail.kinds import KINDS, OPTIONAL
from app.mail.outbox import TEMPLATE_DIR, check_unsubscribe_token
from app.models import MailPreference, Notification, User
from app.notifications.schemas import (
    KindPreference,
    MailKind,
    MailPreferences,
    NotificationPublic,
    Unsubscribed,
)


def mail_kinds() -> list[MailKind]:
    return [MailKind(kind=k.key, label=k.label, optional=k.optional) for k in KINDS.values()]


def preferences(session: Session, user: User) -> MailPreferences:
    """Every kind of message with whether the person gets it: transactional kinds always,
    optional kinds unless they turned them off (no row: on)."""
    off = set(
        session.exec(
            select(MailPreference.kind).where(
                MailPreference.user_id == user.id, col(MailPreference.enabled).is_(False)
            )
        ).all()
    )
    kinds = [
        KindPreference(
            kind=k.key,
            label=k.label,
            audience=k.audience,
            optional=k.optional,
            enabled=not (k.optional and k.key in off),
        )
        for k in KINDS.values()
    ]
    return MailPreferences(language=user.language, languages=mail_languages(), kinds=kinds)


@cache
def mail_languages() -> list[str]:
    """The languages of the translated templates (``NAME.fr.txt``, ``NAME.fr.subject.txt``);
    English is every template's own."""
    tags = set()
    for path in TEMPLATE_DIR.glob("*.txt"):
        parts = path.name.split(".")
        if len(parts) >= 3 and parts[1] != "subject":
            tags.add(parts[1])
    return sorted(tags)


def set_preferences(session: Session, user: User, choices: dict[str, bool]) -> MailPreferences:
    """Turn optional kinds on or off. A transactional or unknown kind refuses the whole
    request, naming each such kind, and changes nothing."""
    problems = []
    for kind in choices:
        if kind not in KINDS:
            problems.append({"field": kind, "message": f"{kind}: is not a kind of message"})
        elif kind not in OPTIONAL:
            problems.append(
                {
                    "field": kind,
                    "message": f"{kind}: is always sent (it is about your own account, "
                    "entries or judging) and cannot be turned off",
                }
            )
    if problems:
        raise Unprocessable(problems[0]["message"], field=problems[0]["field"], details=problems)
    for kind, enabled in choices.items():
        _set(session, user, kind, enabled)
    session.commit()
    return preferences(session, user)


def _set(session: Session, user: User, kind: str, enabled: bool) -> None:
    assert user.id is not None
    row = session.get(MailPreference, (user.id, kind))
    if row is None:
        try:
            # A mail client may send the one-click POST twice at once: the second insert
            # loses the race and updates the row the first one made.
            with session.begin_nested():
                session.add(MailPreference(user_id=user.id, kind=kind, enabled=enabled))
            return
        except IntegrityError:
            row = session.get(MailPreference, (user.id, kind), populate_existing=True)
            assert row is not None
    if row.enabled != enabled:
        row.enabled = enabled
        row.updated_at = utcnow()
        session.add(row)


def set_language(session: Session, user: User, language: str | None) -> User:
    """The person's language for mail (where a translation exists)."""
    user.language = language
    user.updated_at = utcnow()
    session.add(user)
    session.commit()
    return user


def unsubscribe(session: Session, settings: Settings, token: str) -> Unsubscribed:
    """Turn off the kind of message the one-click link names, for the person it was made
    for. No login: the keyed token is the proof, and it can name only an optional kind.
    Using the link again answers the same."""
    found = check_unsubscribe_token(settings, token)
    user = session.get(User, found[0]) if found else None
    if found is None or user is None:
        raise BadRequest(
            "This unsubscribe link is not valid: it may have been cut short when copied. "
            "Log in and choose which messages you get on your account page.",
            field="token",
            code="invalid_unsubscribe_token",
        )
    kind = found[1]
    _set(session, user, kind, False)
    session.commit()
    return Unsubscribed(kind=kind, label=KINDS[kind].label, enabled=False)


def notification_public(notification: Notification) -> NotificationPublic:
    assert notification.id is not None
    return NotificationPublic(
        id=notification.id,
        challenge_id=notification.challenge_id,
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        link=notification.link,
        created_at=notification.created_at,
        read_at=notification.read_at,
        read=notification.read_at is not None,
    )


def notifications(
    session: Session, user: User, limit: int, cursor: str | None
) -> tuple[list[NotificationPublic], str | None]:
    """The person's own notifications, newest first."""
    rows, next_cursor = paginate_by_id(
        session,
        select(Notification).where(Notification.user_id == user.id),
        Notification.id,
        limit,
        cursor,
    )
    return [notification_public(n) for n in rows], next_cursor


def unread_count(session: Session, user: User) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, col(Notification.read_at).is_(None))
        )
        or 0
    )


def mark_read(session: Session, user: User, notification_id: int) -> NotificationPublic:
    """Mark one of the person's notifications read (again: no change). Another person's
    does not exist for them."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
        session.commit()
    return notification_public(notification)


def mark_all_read(session: Session, user: User) -> int:
    """Mark every unread notification of the person's read, in one statement."""
    result = session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user.id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
