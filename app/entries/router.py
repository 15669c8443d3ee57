"/api/entries and a challenge's entries: start, save, submit, withdraw, screen."

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from sqlmodel import col, select

from app.auth.router import wake_mail_sender
from app.challenges.access import ChallengeAccess, ChallengeDep, StaffOf
from app.core.deps import CurrentUser, SessionDep, SettingsDep
from app.core.errors import error_responses
from app.core.pagination import CursorQuery, LimitQuery, Page, paginate_by_id
from app.entries import queries, screening, service
from app.entries.access import EntryContext, load_entry
from app.entries.schemas import (
    BulkScreeningIn,
    BulkScreeningOut,
    EntryCounts,
    EntryCreate,
    EntryPublic,
    EntryRow,
    EntryUpdate,
    ReopenIn,
    RevisionPublic,
    ScreeningIn,
)
from app.entries.views import entry_public, preload
from app.models import Challenge, Channel, Eligibility, Entry, EntryStatus

router = APIRouter(prefix="/api", tags=["entries"])


def entry_context(entry_id: int, user: CurrentUser, session: SessionDep) -> EntryContext:
    return load_entry(session, entry_id, user)


EntryDep = Annotated[EntryContext, Depends(entry_context)]


@router.post(
    "/challenges/{slug}/entries",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409),
)
def start_entry(body: EntryCreate, access: ChallengeDep, session: SessionDep) -> EntryPublic:
    """Start an entry (a draft saved on the server). Organisers and screeners may start one
    on someone's behalf for an offline channel with `on_behalf`."""
    entry = service.start_entry(session, access, body)
    return entry_public(session, EntryContext(entry=entry, access=access))


@router.get("/challenges/{slug}/entries", responses=error_responses(400, 401, 403, 404))
def list_entries(
    access: StaffOf,
    session: SessionDep,
    status_: Annotated[EntryStatus | None, Query(alias="status")] = None,
    eligibility: Eligibility | None = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    channel: Channel | None = None,
    q: Annotated[str | None, Query(max_length=100, description="title, reference or name")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[EntryRow]:
    """The challenge's entries for its organisers and screeners, newest first, filtered."""
    assert access.challenge.id is not None
    items, next_cursor = queries.entry_rows(
        session,
        access.challenge.id,
        status=status_,
        eligibility=eligibility,
        category=category,
        channel=channel.value if channel else None,
        q=q,
        limit=limit,
        cursor=cursor,
    )
    return Page[EntryRow](items=items, next_cursor=next_cursor)


@router.get("/challenges/{slug}/entries/counts", responses=error_responses(401, 403, 404))
def count_entries(access: StaffOf, session: SessionDep) -> EntryCounts:
    """How many entries are drafts, submitted, withdrawn, and screened each way."""
    assert access.challenge.id is not None
    return queries.entry_counts(session, access.challenge.id)


@router.post("/challenges/{slug}/screening", responses=error_responses(401, 403, 404, 409))
def screen_entries(
    body: BulkScreeningIn,
    access: StaffOf,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> BulkScreeningOut:
    """Screen several entries with one decision: all of them, or none if any cannot be.
    Each entrant is told the decision (and an ineligible entry's reason) by mail."""
    ids = screening.screen_many(
        session,
        settings,
        access,
        body.entry_ids,
        ScreeningIn(**body.model_dump(exclude={"entry_ids"})),
    )
    wake_mail_sender(request)
    return BulkScreeningOut(screened=ids)


@router.get("/me/entries", responses=error_responses(400, 401))
def my_entries(
    user: CurrentUser, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[EntryPublic]:
    """My entries in every challenge, newest first."""
    rows, next_cursor = paginate_by_id(
        session, select(Entry).where(Entry.owner_id == user.id), Entry.id, limit, cursor
    )
    challenges = {
        c.id: c
        for c in session.exec(
            select(Challenge).where(col(Challenge.id).in_({r.challenge_id for r in rows}))
        ).all()
    }
    # One access object per challenge, and the page's teams, files and forms loaded at once.
    access = {cid: ChallengeAccess(session, c, user) for cid, c in challenges.items()}
    pre = preload(session, list(rows))
    items = [
        entry_public(session, EntryContext(entry=r, access=access[r.challenge_id]), pre)
        for r in rows
    ]
    return Page[EntryPublic](items=items, next_cursor=next_cursor)


@router.get("/entries/{entry_id}", responses=error_responses(401, 404))
def get_entry(ctx: EntryDep, session: SessionDep) -> EntryPublic:
    """An entry, for its entrant and its challenge's organisers and screeners. `problems`
    says what must change before it can be submitted."""
    return entry_public(session, ctx)


@router.patch("/entries/{entry_id}", responses=error_responses(401, 403, 404, 409))
def save_entry(body: EntryUpdate, ctx: EntryDep, session: SessionDep) -> EntryPublic:
    """Save a draft as it is, valid or not; or change a submitted entry before the deadline
    (it must stay complete, and the change is kept as a revision)."""
    service.save_entry(session, ctx, body)
    return entry_public(session, ctx)


@router.post("/entries/{entry_id}/submit", responses=error_responses(401, 403, 404, 409))
def submit_entry(
    ctx: EntryDep, session: SessionDep, settings: SettingsDep, request: Request
) -> EntryPublic:
    """Submit the entry: checked whole, against the deadline at this second and the
    participant's limit. It gets its reference and a receipt is mailed."""
    service.submit_entry(session, ctx, settings)
    wake_mail_sender(request)
    return entry_public(session, ctx)


@router.post("/entries/{entry_id}/withdraw", responses=error_responses(401, 403, 404, 409))
def withdraw_entry(ctx: EntryDep, session: SessionDep) -> EntryPublic:
    """Withdraw the entry (until judging starts)."""
    service.withdraw_entry(session, ctx)
    return entry_public(session, ctx)


@router.post("/entries/{entry_id}/eligibility", responses=error_responses(401, 403, 404, 409))
def screen_entry(
    body: ScreeningIn, ctx: EntryDep, session: SessionDep, settings: SettingsDep, request: Request
) -> EntryPublic:
    """Mark a submitted entry eligible or ineligible (a reason is required for ineligible);
    the entrant is told by mail."""
    screening.screen(session, settings, ctx.access, ctx.entry, body)
    wake_mail_sender(request)
    return entry_public(session, ctx)


@router.post("/entries/{entry_id}/reopen-screening", responses=error_responses(401, 403, 404, 409))
def reopen_screening(body: ReopenIn, ctx: EntryDep, session: SessionDep) -> EntryPublic:
    """Put a screened entry back to pending, with a reason."""
    screening.reopen(session, ctx.access, ctx.entry, body.reason)
    return entry_public(session, ctx)


@router.get("/entries/{entry_id}/revisions", responses=error_responses(401, 404))
def list_revisions(ctx: EntryDep, session: SessionDep) -> list[RevisionPublic]:
    """Every submitted version of the entry: who changed it, when, and what it said."""
    assert ctx.entry.id is not None
    return queries.revisions(session, ctx.entry.id)
