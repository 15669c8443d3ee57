"""The platform admin's view of accounts: find them, see their roles and history, deactivate
or restore them, grant or take away admin, and end their sessions. Every change is audited
(object "user", no call) and names its reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from app.admin.schemas import (
    AdminUserDetail,
    AdminUserPublic,
    AdminUserUpdate,
    HistoryEvent,
    Membership,
    UserFilter,
)
from app.audit.service import record, snapshot
from app.core.db import utcnow
from app.core.errors import Conflict, NotFound, Unprocessable
from app.core.pagination import paginate_by_id
from app.models import AuditEvent, Challenge, Entry, User, UserSession
from app.models import Membership as MembershipRow

ADMIN_FIELDS = ("is_active", "is_admin")
HISTORY = 20


def _last_seen(session: Session, user_ids: list[int]) -> dict[int, Any]:
    if not user_ids:
        return {}
    rows = session.exec(
        select(UserSession.user_id, func.max(UserSession.last_seen_at))
        .where(col(UserSession.user_id).in_(user_ids))
        .group_by(col(UserSession.user_id))
    ).all()
    return dict(rows)


def _public(user: User, last_seen: Any) -> AdminUserPublic:
    assert user.id is not None
    return AdminUserPublic(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        is_admin=user.is_admin,
        is_active=user.is_active,
        email_verified=user.email_verified_at is not None,
        language=user.language,
        created_at=user.created_at,
        last_seen_at=last_seen,
    )


def list_users(
    session: Session, q: str | None, which: UserFilter, limit: int, cursor: str | None
) -> tuple[list[AdminUserPublic], str | None]:
    """Accounts, newest first: by part of the e-mail address or name, and by kind."""
    statement = select(User)
    if q and q.strip():
        pattern = f"%{q.strip().lower()}%"
        statement = statement.where(
            or_(
                col(User.email).like(pattern),
                func.lower(col(User.display_name)).like(pattern),
            )
        )
    if which == "admins":
        statement = statement.where(col(User.is_admin).is_(True))
    elif which == "inactive":
        statement = statement.where(col(User.is_active).is_(False))
    elif which == "unverified":
        statement = statement.where(col(User.email_verified_at).is_(None))
    users, next_cursor = paginate_by_id(session, statement, User.id, limit, cursor)
    seen = _last_seen(session, [u.id for u in users])
    return [_public(u, seen.get(u.id)) for u in users], next_cursor


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    return user


def user_detail(session: Session, user_id: int) -> AdminUserDetail:
    user = _user(session, user_id)
    memberships = session.exec(
        select(Challenge.slug, Challenge.title, MembershipRow.role)
        .join(Challenge, col(Challenge.id) == col(MembershipRow.challenge_id))
        .where(MembershipRow.user_id == user_id)
        .order_by(col(Challenge.title), col(MembershipRow.role))
    ).all()
    entries = session.exec(select(func.count()).where(Entry.owner_id == user_id)).one()
    live = session.exec(
        select(func.count()).where(
            UserSession.user_id == user_id,
            col(UserSession.revoked_at).is_(None),
            col(UserSession.expires_at) > utcnow(),
        )
    ).one()
    actors = select(User.id, User.display_name).subquery()
    events = session.exec(
        select(AuditEvent, actors.c.display_name)
        .outerjoin(actors, actors.c.id == col(AuditEvent.actor_id))
        .where(AuditEvent.object_type == "user", AuditEvent.object_id == user_id)
        .order_by(col(AuditEvent.id).desc())
        .limit(HISTORY)
    ).all()
    return AdminUserDetail(
        **_public(user, _last_seen(session, [user_id]).get(user_id)).model_dump(),
        memberships=[Membership(slug=s, title=t, role=str(r)) for s, t, r in memberships],
        entries=entries,
        live_sessions=live,
        history=[
            HistoryEvent(
                action=e.action,
                actor=actor,
                before=e.before,
                after=e.after,
                reason=e.reason,
                created_at=e.created_at,
            )
            for e, actor in events
        ],
    )


def _end_sessions(session: Session, user_id: int) -> int:
    ended = session.execute(
        update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return int(ended.rowcount)  # type: ignore[attr-defined]


def update_user(
    session: Session, admin: User, user_id: int, body: AdminUserUpdate
) -> AdminUserPublic:
    """Deactivate or restore an account, grant or take away admin. Not one's own account (an
    admin cannot lock themselves out), and never the last active admin's admin."""
    if body.is_active is None and body.is_admin is None:
        raise Unprocessable("Say what to change: is_active, is_admin or both.", field="is_active")
    user = _user(session, user_id)
    if user.id == admin.id:
        raise Conflict(
            "You cannot change your own account here; ask another admin.", code="own_account"
        )
    before = snapshot(user, ADMIN_FIELDS)
    losing_admin = (
        user.is_admin and user.is_active and (body.is_admin is False or body.is_active is False)
    )
    if losing_admin:
        # Lock the admins' rows so two admins demoting each other cannot leave none.
        admins = session.exec(
            select(User.id)
            .where(col(User.is_admin).is_(True), col(User.is_active).is_(True))
            .with_for_update()
        ).all()
        if len(admins) <= 1:
            raise Conflict(
                "This is the last admin; make someone else admin first.", code="last_admin"
            )
    if body.is_active is not None:
        user.is_active = body.is_active
    if body.is_admin is not None:
        user.is_admin = body.is_admin
    user.updated_at = utcnow()
    session.add(user)
    if not user.is_active:
        _end_sessions(session, user_id)
    after = snapshot(user, ADMIN_FIELDS)
    if after != before:
        record(
            session,
            actor=admin,
            action="user.update",
            object_type="user",
            object_id=user_id,
            challenge_id=None,
            before=before,
            after=after,
            reason=body.reason,
        )
    session.commit()
    return _public(user, _last_seen(session, [user_id]).get(user_id))


def end_sessions(session: Session, admin: User, user_id: int, reason: str) -> int:
    """Log the account out everywhere (a lost phone, a shared computer); audited."""
    _user(session, user_id)
    ended = _end_sessions(session, user_id)
    record(
        session,
        actor=admin,
        action="user.sessions_end",
        object_type="user",
        object_id=user_id,
        challenge_id=None,
        after={"sessions_ended": ended},
        reason=reason,
    )
    session.commit()
    return ended
