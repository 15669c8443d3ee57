"""/api/admin/users: the platform admin's accounts (list, detail, change, log out)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from app.admin import service
from app.admin.schemas import AdminUserDetail, AdminUserPublic, AdminUserUpdate, UserFilter
from app.core.deps import AdminUser, SessionDep
from app.core.errors import error_responses
from app.core.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/admin", tags=["admin"])
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class SessionsEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="Why, for the audit log")


class SessionsEnded(BaseModel):
    ended: int


@router.get(
    "/users", response_model=Page[AdminUserPublic], responses=error_responses(400, 401, 403)
)
def list_users(
    _admin: AdminUser,
    session: SessionDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of the e-mail or name")
    ] = None,
    which: Annotated[UserFilter, Query(alias="filter")] = "all",
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AdminUserPublic]:
    """Every account, newest first (platform admins): search by e-mail address or name, and
    show only admins, deactivated or unverified accounts."""
    items, next_cursor = service.list_users(session, q, which, limit, cursor)
    return Page[AdminUserPublic](items=items, next_cursor=next_cursor)


@router.get("/users/{user_id}", responses=error_responses(401, 403, 404))
def get_user(user_id: UserId, _admin: AdminUser, session: SessionDep) -> AdminUserDetail:
    """One account: its roles in calls, its entries, its live sessions and what admins
    changed on it."""
    return service.user_detail(session, user_id)


@router.patch("/users/{user_id}", responses=error_responses(401, 403, 404, 409, 422))
def update_user(
    user_id: UserId, body: AdminUserUpdate, admin: AdminUser, session: SessionDep
) -> AdminUserPublic:
    """Deactivate an account (its sessions end at once and it cannot log in) or restore it;
    grant or take away platform admin. With a reason; audited. 409 for your own account and
    for the last admin."""
    return service.update_user(session, admin, user_id, body)


@router.post("/users/{user_id}/sessions/end", responses=error_responses(401, 403, 404, 422))
def end_sessions(
    user_id: UserId, body: SessionsEnd, admin: AdminUser, session: SessionDep
) -> SessionsEnded:
    """Log the account out on every device (a lost phone, a shared computer); audited."""
    return SessionsEnded(ended=service.end_sessions(session, admin, user_id, body.reason))
