"""Accounts and sessions: the rules, each owning its commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.auth.schemas import normalise_email
from app.auth.throttle import LoginThrottle, ThrottleKey, login_keys
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import BadRequest, Conflict, NotAuthenticated, NotFound, TooManyRequests
from app.core.security import PasswordHasher, hash_token, new_token
from app.mail.outbox import queue_mail
from app.models import User, UserSession, UserToken

VERIFY = "verify_email"
RESET = "password_reset"


@dataclass
class NewSession:
    user: User
    token: str
    session: UserSession


@dataclass
class ClientInfo:
    ip: str | None
    user_agent: str | None


def live_session(token_hash: Any, now: Any) -> ColumnElement[bool]:
    """The condition on UserSession joined to User for the session that token_hash names:
    not revoked, not expired, its account active. A query that wants the caller alongside
    other rows (the vote does) joins on it, with bound parameters for a statement built
    once; `app.core.deps.admit` then finishes the log-in."""
    return and_(
        col(UserSession.token_hash) == token_hash,
        col(UserSession.revoked_at).is_(None),
        col(UserSession.expires_at) > now,
        col(User.id) == col(UserSession.user_id),
        col(User.is_active).is_(True),
    )


def start_session(
    session: Session, settings: Settings, user: User, client: ClientInfo
) -> NewSession:
    """Open a session for the user; the token is returned once and stored only as a hash."""
    assert user.id is not None
    token = new_token()
    now = utcnow()
    row = UserSession(
        user_id=user.id,
        token_hash=hash_token(settings.secret_key, token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=settings.session_days),
        user_agent=(client.user_agent or "")[:300] or None,
        ip=client.ip,
    )
    session.add(row)
    return NewSession(user=user, token=token, session=row)


def _issue_token(
    session: Session, settings: Settings, user: User, purpose: str, ttl: timedelta
) -> str:
    assert user.id is not None
    token = new_token()
    session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(settings.secret_key, token),
            expires_at=utcnow() + ttl,
        )
    )
    return token


def _queue_verification(session: Session, settings: Settings, user: User) -> None:
    hours = settings.verify_token_hours
    token = _issue_token(session, settings, user, VERIFY, timedelta(hours=hours))
    queue_mail(
        session,
        settings,
        template="verify_email",
        to_address=user.email,
        user_id=user.id,
        context={
            "display_name": user.display_name,
            "link": f"{settings.base_url}/verify.html?token={token}",
            "hours": hours,
        },
    )


def register(
    session: Session,
    settings: Settings,
    hasher: PasswordHasher,
    *,
    email: str,
    display_name: str,
    password: str,
    client: ClientInfo,
) -> NewSession:
    """Create an account, log it in and mail a verification link, all in one transaction."""
    email = normalise_email(email)
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict(
            "An account with this e-mail address exists; log in instead.",
            field="email",
            code="email_taken",
        )
    user = User(email=email, display_name=display_name, password_hash=hasher.hash(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent registration won the unique constraint
        session.rollback()
        raise Conflict(
            "An account with this e-mail address exists; log in instead.",
            field="email",
            code="email_taken",
        ) from None
    new = start_session(session, settings, user, client)
    _queue_verification(session, settings, user)
    session.commit()
    return new


def authenticate(
    session: Session,
    settings: Settings,
    hasher: PasswordHasher,
    throttle: LoginThrottle,
    *,
    email: str,
    password: str,
    client: ClientInfo,
) -> NewSession:
    """Check the password under the throttle; one answer for unknown account and wrong password."""
    email = normalise_email(email)
    keys = login_keys(settings, email, client.ip)
    wait = throttle.retry_after(session, keys)
    if wait is not None:
        minutes = max(1, round(wait / 60))
        raise TooManyRequests(
            f"Too many failed logins. Try again in about {minutes} "
            f"minute{'s' if minutes != 1 else ''}, "
            "or reset your password.",
            retry_after=wait,
        )
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None or not user.is_active:
        hasher.verify_dummy(password)
        ok, new_hash = False, None
    else:
        ok, new_hash = hasher.verify(password, user.password_hash)
    if not ok or user is None:
        throttle.record_failure(session, keys)
        raise NotAuthenticated(
            "The e-mail address or the password is wrong.", code="invalid_credentials"
        )
    if new_hash:  # the hashing parameters changed since this hash was made
        user.password_hash = new_hash
        session.add(user)
    throttle.clear(session, ThrottleKey("account", email, settings.login_max_failures_per_account))
    new = start_session(session, settings, user, client)
    session.commit()
    return new


def end_session(session: Session, user_session: UserSession) -> None:
    user_session.revoked_at = utcnow()
    session.add(user_session)
    session.commit()


def revoke_other_sessions(session: Session, user_id: int, keep_id: int | None) -> None:
    statement = update(UserSession).where(
        col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None)
    )
    if keep_id is not None:
        statement = statement.where(col(UserSession.id) != keep_id)
    session.execute(statement.values(revoked_at=utcnow()))


def revoke_session(session: Session, user: User, session_id: int) -> None:
    """Revoke one of the user's own sessions; others' sessions do not exist for them."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound("No such session.", field="session_id")
    end_session(session, row)


def update_profile(session: Session, user: User, display_name: str) -> User:
    user.display_name = display_name
    user.updated_at = utcnow()
    session.add(user)
    session.commit()
    return user


def _queue_password_changed(session: Session, settings: Settings, user: User) -> None:
    queue_mail(
        session,
        settings,
        template="password_changed",
        to_address=user.email,
        user_id=user.id,
        context={"display_name": user.display_name},
    )


def change_password(
    session: Session,
    settings: Settings,
    hasher: PasswordHasher,
    *,
    user: User,
    current: UserSession,
    current_password: str,
    new_password: str,
) -> None:
    """Change the password and log out every other session of the account."""
    ok, _ = hasher.verify(current_password, user.password_hash)
    if not ok:
        raise BadRequest(
            "The current password is wrong.", field="current_password", code="wrong_password"
        )
    assert user.id is not None
    user.password_hash = hasher.hash(new_password)
    user.updated_at = utcnow()
    session.add(user)
    revoke_other_sessions(session, user.id, keep_id=current.id)
    _queue_password_changed(session, settings, user)
    session.commit()


def request_verification(session: Session, settings: Settings, user: User) -> bool:
    """Mail a fresh verification link; False when the address is verified already."""
    if user.email_verified_at is not None:
        return False
    _queue_verification(session, settings, user)
    session.commit()
    return True


def _consume_token(session: Session, settings: Settings, token: str, purpose: str) -> User:
    """Use a mailed token once: the conditional update lets only one request win it."""
    now = utcnow()
    row = session.exec(
        select(UserToken).where(
            UserToken.token_hash == hash_token(settings.secret_key, token),
            UserToken.purpose == purpose,
        )
    ).first()
    invalid = BadRequest(
        "This link is invalid, has expired or was used already; ask for a new one.",
        field="token",
        code="invalid_token",
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise invalid
    claimed = session.execute(
        update(UserToken)
        .where(col(UserToken.id) == row.id, col(UserToken.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise invalid
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        session.rollback()
        raise invalid
    return user


def verify_email(session: Session, settings: Settings, token: str) -> User:
    user = _consume_token(session, settings, token, VERIFY)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        session.add(user)
    session.commit()
    return user


def request_password_reset(session: Session, settings: Settings, email: str) -> None:
    """Mail a reset link if the account exists; the caller answers the same either way."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None or not user.is_active:
        return
    minutes = settings.reset_token_minutes
    token = _issue_token(session, settings, user, RESET, timedelta(minutes=minutes))
    queue_mail(
        session,
        settings,
        template="password_reset",
        to_address=user.email,
        user_id=user.id,
        context={
            "display_name": user.display_name,
            "link": f"{settings.base_url}/reset.html?token={token}",
            "minutes": minutes,
        },
    )
    session.commit()


def reset_password(
    session: Session, settings: Settings, hasher: PasswordHasher, token: str, new_password: str
) -> None:
    """Set a new password from a mailed link; every session and other reset link dies."""
    user = _consume_token(session, settings, token, RESET)
    assert user.id is not None
    now = utcnow()
    user.password_hash = hasher.hash(new_password)
    # The mail reached the owner of the address, so the address is verified too.
    user.email_verified_at = user.email_verified_at or now
    user.updated_at = now
    session.add(user)
    session.execute(
        update(UserToken)
        .where(
            col(UserToken.user_id) == user.id,
            col(UserToken.purpose) == RESET,
            col(UserToken.used_at).is_(None),
        )
        .values(used_at=now)
    )
    revoke_other_sessions(session, user.id, keep_id=None)
    _queue_password_changed(session, settings, user)
    session.commit()
