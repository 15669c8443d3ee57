"""Dependency aliases, so routes read like prose: ``user: CurrentUser, session: SessionDep``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from app.auth.service import live_session
from app.auth.throttle import LoginThrottle
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import Forbidden, NotAuthenticated
from app.core.security import PasswordHasher, hash_token
from app.models import User, UserSession

SESSION_COOKIE = "opencall_session"
# last_seen_at is written at most this often per session, so reads stay reads.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


@contextmanager
def open_session(request: Request) -> Iterator[Session]:
    """A session outside FastAPI's dependencies (streaming routes open their own)."""
    with Session(get_engine(request), expire_on_commit=False) as session:
        yield session


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's database session. Making one does no I/O, so it happens in the event
    loop; closing a session still in a transaction does (it rolls back and returns the
    connection to the pool), so that runs in a thread; a committed one closes at once."""
    session = Session(get_engine(request), expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def get_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.hasher
    return hasher


async def get_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.throttle
    return throttle


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]
ThrottleDep = Annotated[LoginThrottle, Depends(get_throttle)]


def presented_token(request: Request) -> str | None:
    """The session token: a Bearer header (scripts) wins over the cookie (browsers)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


@dataclass
class Auth:
    user: User
    session: UserSession


def resolve_auth(request: Request, session: Session, settings: Settings) -> Auth | None:
    """The caller's session and account, or None when not logged in: looked up once per
    request and database session, however many dependencies ask (a streaming upload asks
    again in each of its sessions, so a session revoked meanwhile stops it)."""
    cached: tuple[Session, Auth | None] | None = getattr(request.state, "auth", None)
    if cached is not None and cached[0] is session:
        return cached[1]
    auth = _lookup_auth(request, session, settings)
    request.state.auth = (session, auth)
    return auth


def presented_token_hash(request: Request, settings: Settings) -> str | None:
    """The hash under which the presented session token is stored, or None without one."""
    token = presented_token(request)
    if not token or len(token) > 200:
        return None
    return hash_token(settings.secret_key, token)


def admit(
    request: Request, session: Session, user_session: UserSession, user: User, now: datetime
) -> Auth:
    """The caller found by `live_session`: its last-seen time kept (at most every few
    minutes, so reads stay reads) and remembered for the request's other lookups."""
    if now - user_session.last_seen_at > LAST_SEEN_RESOLUTION:
        user_session.last_seen_at = now
        session.add(user_session)
        session.commit()
    auth = Auth(user=user, session=user_session)
    request.state.auth = (session, auth)
    return auth


def _lookup_auth(request: Request, session: Session, settings: Settings) -> Auth | None:
    token_hash = presented_token_hash(request, settings)
    if token_hash is None:
        return None
    now = utcnow()
    row = session.exec(select(UserSession, User).where(live_session(token_hash, now))).first()
    if row is None:
        return None
    user_session, user = row
    return admit(request, session, user_session, user, now)


def optional_auth(request: Request, session: SessionDep, settings: SettingsDep) -> Auth | None:
    return resolve_auth(request, session, settings)


async def current_auth(auth: Annotated[Auth | None, Depends(optional_auth)]) -> Auth:
    """The caller, who must be logged in (the lookup is `optional_auth`'s, made once)."""
    if auth is None:
        raise NotAuthenticated()
    return auth


async def current_user(auth: Annotated[Auth, Depends(current_auth)]) -> User:
    return auth.user


async def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_admin:
        raise Forbidden("Only a platform administrator may do this.")
    return user


OptionalAuth = Annotated[Auth | None, Depends(optional_auth)]
CurrentAuth = Annotated[Auth, Depends(current_auth)]
CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(admin_user)]
