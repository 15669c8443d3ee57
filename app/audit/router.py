"""/api/challenges/{slug}/audit: the challenge's audit log, for its organisers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from app.challenges.access import OrganiserOf
from app.challenges.schemas import AuditActor, AuditEventPublic
from app.core.deps import SessionDep
from app.core.errors import error_responses
from app.core.pagination import CursorQuery, LimitQuery, Page, paginate_by_id
from app.models import AuditEvent, User

router = APIRouter(prefix="/api/challenges/{slug}", tags=["audit"])


@router.get("/audit", responses=error_responses(400, 401, 403, 404))
def list_audit_events(
    access: OrganiserOf,
    session: SessionDep,
    action: Annotated[str | None, Query(max_length=60, description="e.g. entry.screen")] = None,
    object_type: Annotated[str | None, Query(max_length=30, description="e.g. entry")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AuditEventPublic]:
    """Who did what to what in this challenge, newest first, with before and after."""
    statement = select(AuditEvent).where(AuditEvent.challenge_id == access.challenge.id)
    if action:
        statement = statement.where(AuditEvent.action == action)
    if object_type:
        statement = statement.where(AuditEvent.object_type == object_type)
    rows, next_cursor = paginate_by_id(session, statement, AuditEvent.id, limit, cursor)
    actor_ids = {r.actor_id for r in rows if r.actor_id is not None}
    actors = (
        {u.id: u for u in session.exec(select(User).where(col(User.id).in_(actor_ids))).all()}
        if actor_ids
        else {}
    )
    items = [
        AuditEventPublic(
            id=r.id,
            actor=AuditActor(id=r.actor_id, display_name=actors[r.actor_id].display_name)
            if r.actor_id in actors
            else None,
            action=r.action,
            object_type=r.object_type,
            object_id=r.object_id,
            before=r.before,
            after=r.after,
            reason=r.reason,
            created_at=r.created_at,
        )
        for r in rows
    ]
    return Page[AuditEventPublic](items=items, next_cursor=next_cursor)
