"""What was mailed to whom: each call's mail log for its organisers, and every call's failed
mail for platform admins, who can send a message again."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy.orm import load_only
from sqlmodel import col, select

from app.auth.router import wake_mail_sender
from app.challenges.access import OrganiserOf
from app.core.deps import AdminUser, SessionDep
from app.core.errors import error_responses
from app.core.pagination import CursorQuery, LimitQuery, Page, paginate_by_id
from app.mail.sender import retry_failed
from app.models import Challenge, OutboxMessage

router = APIRouter(tags=["mail"])

MailStatus = Literal["pending", "sent", "failed"]
StatusQuery = Annotated[
    MailStatus | None,
    Query(description="pending (queued or waiting for a retry), sent or failed; omit for all."),
]

# Everything the log shows: never the bodies, which a list has no use for.
_LOG_FIELDS = (
    "id",
    "challenge_id",
    "to_address",
    "kind",
    "template",
    "subject",
    "status",
    "attempts",
    "created_at",
    "next_attempt_at",
    "sent_at",
    "failed_at",
    "last_error",
)
_LOG_COLUMNS = load_only(*(getattr(OutboxMessage, name) for name in _LOG_FIELDS))


class MailMessagePublic(BaseModel):
    """One message of the outbox: to whom, what kind, and what became of it (not its text).

    `attempts` counts the tries so far; `last_error` is the mail server's answer to the last
    one that failed (kept after a later try succeeds); `next_attempt_at` is when a pending
    message is (next) due."""

    id: int
    challenge_id: int | None
    to_address: str
    kind: str
    template: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    last_error: str | None


class MailChallenge(BaseModel):
    slug: str
    title: str


class AdminMailPublic(MailMessagePublic):
    """A message with the call it belongs to (none for account mail)."""

    challenge: MailChallenge | None


def _public(message: OutboxMessage) -> MailMessagePublic:
    return MailMessagePublic.model_validate(message, from_attributes=True)


@router.get(
    "/api/challenges/{slug}/mail",
    response_model=Page[MailMessagePublic],
    responses=error_responses(400, 401, 403, 404),
)
def list_challenge_mail(
    access: OrganiserOf,
    session: SessionDep,
    status: StatusQuery = None,
    kind: Annotated[str | None, Query(max_length=40, description="e.g. entry_receipt")] = None,
    to: Annotated[
        str | None, Query(max_length=320, description="Only mail to this address.")
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[MailMessagePublic]:
    """This call's mail, newest first (organisers): to whom, what kind, the subject, and
    whether it was sent, is waiting (for a retry), or failed and why. Never the message text.
    Account mail (verification, password reset) belongs to no call and is not listed."""
    statement = (
        select(OutboxMessage)
        .options(_LOG_COLUMNS)
        .where(OutboxMessage.challenge_id == access.challenge.id)
    )
    if status:
        statement = statement.where(OutboxMessage.status == status)
    if kind:
        statement = statement.where(OutboxMessage.kind == kind)
    if to and to.strip():
        statement = statement.where(func.lower(col(OutboxMessage.to_address)) == to.strip().lower())
    rows, next_cursor = paginate_by_id(session, statement, OutboxMessage.id, limit, cursor)
    return Page[MailMessagePublic](items=[_public(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/api/admin/mail",
    response_model=Page[AdminMailPublic],
    responses=error_responses(400, 401, 403),
)
def list_mail(
    admin: AdminUser,
    session: SessionDep,
    status: StatusQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AdminMailPublic]:
    """Mail of every call and every account, newest first (platform admins): with
    `?status=failed`, what could not be delivered after the last try, with the mail server's
    last answer, to send again once the cause is fixed."""
    statement = select(OutboxMessage).options(_LOG_COLUMNS)
    if status:
        statement = statement.where(OutboxMessage.status == status)
    rows, next_cursor = paginate_by_id(session, statement, OutboxMessage.id, limit, cursor)
    challenge_ids = {r.challenge_id for r in rows if r.challenge_id is not None}
    challenges = (
        {
            c.id: MailChallenge(slug=c.slug, title=c.title)
            for c in session.exec(select(Challenge).where(col(Challenge.id).in_(challenge_ids)))
        }
        if challenge_ids
        else {}
    )
    items = [
        AdminMailPublic(
            **_public(r).model_dump(),
            challenge=challenges.get(r.challenge_id) if r.challenge_id is not None else None,
        )
        for r in rows
    ]
    return Page[AdminMailPublic](items=items, next_cursor=next_cursor)


@router.post(
    "/api/admin/mail/{message_id}/retry",
    response_model=MailMessagePublic,
    responses=error_responses(401, 403, 404, 409),
)
def retry_mail(
    message_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    admin: AdminUser,
    session: SessionDep,
    request: Request,
) -> MailMessagePublic:
    """Send a failed message again (platform admins): it goes back in the queue, due now,
    with its attempts counted from zero and the same Message-ID. Audited. 409 when the
    message has not failed (it is still pending, or was sent)."""
    message = retry_failed(session, message_id, admin)
    wake_mail_sender(request)
    return _public(message)
