"""Reads over many entries: the organisers' table, counts, my entries, revisions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core.pagination import decode_cursor, encode_cursor
from app.entries.schemas import EntryCounts, EntryRow, PersonRef, RevisionPublic
from app.models import Eligibility, Entry, EntryRevision, EntryStatus, User


def _flagged(entry: Entry) -> bool:
    return any(o.get("passed") is not True for o in entry.rule_outcomes)


def entry_rows(
    session: Session,
    challenge_id: int,
    *,
    status: EntryStatus | None,
    eligibility: Eligibility | None,
    category: str | None,
    channel: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[EntryRow], str | None]:
    """One page of the entries table, newest first, by keyset on the id (flat at any page)."""
    statement = (
        select(Entry, User.display_name)
        .join(User, col(User.id) == col(Entry.owner_id), isouter=True)
        .where(Entry.challenge_id == challenge_id)
    )
    if status:
        statement = statement.where(Entry.status == status)
    if eligibility:
        statement = statement.where(Entry.eligibility == eligibility)
    if category:
        statement = statement.where(Entry.category == category)
    if channel:
        statement = statement.where(Entry.channel == channel)
    if q:
        pattern = f"%{q.strip()}%"
        statement = statement.where(
            or_(
                col(Entry.title).ilike(pattern),
                col(Entry.reference).ilike(pattern),
                col(Entry.submitter_name).ilike(pattern),
                col(User.display_name).ilike(pattern),
            )
        )
    if cursor:
        statement = statement.where(col(Entry.id) < decode_cursor(cursor))
    rows = session.exec(statement.order_by(col(Entry.id).desc()).limit(limit + 1)).all()
    items = [
        EntryRow(
            id=entry.id,
            reference=entry.reference,
            title=entry.title,
            status=entry.status,
            eligibility=entry.eligibility,
            eligibility_reason=entry.eligibility_reason,
            category=entry.category,
            channel=entry.channel,
            owner_name=owner_name or entry.submitter_name,
            flagged=_flagged(entry),
            submitted_at=entry.submitted_at,
            updated_at=entry.updated_at,
        )
        for entry, owner_name in rows[:limit]
    ]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return items, next_cursor


def entry_counts(session: Session, challenge_id: int) -> EntryCounts:
    """Counted in SQL in one pass, whatever the number of entries."""
    submitted = Entry.status == EntryStatus.submitted

    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        sa_select(
            count_if(Entry.status == EntryStatus.draft),
            count_if(submitted),
            count_if(Entry.status == EntryStatus.withdrawn),
            count_if(submitted & (Entry.eligibility == Eligibility.pending)),
            count_if(submitted & (Entry.eligibility == Eligibility.eligible)),
            count_if(submitted & (Entry.eligibility == Eligibility.ineligible)),
        ).where(col(Entry.challenge_id) == challenge_id)
    ).one()
    draft, sub, withdrawn, pending, eligible, ineligible = (int(v) for v in row)
    return EntryCounts(
        draft=draft,
        submitted=sub,
        withdrawn=withdrawn,
        pending=pending,
        eligible=eligible,
        ineligible=ineligible,
    )


def revisions(session: Session, entry_id: int) -> list[RevisionPublic]:
    rows = session.exec(
        select(EntryRevision, User)
        .join(User, col(User.id) == col(EntryRevision.author_id), isouter=True)
        .where(EntryRevision.entry_id == entry_id)
        .order_by(col(EntryRevision.number))
    ).all()
    return [
        RevisionPublic(
            number=rev.number,
            kind=rev.kind,
            created_at=rev.created_at,
            snapshot=rev.snapshot,
            author=PersonRef(id=user.id, display_name=user.display_name)
            if user and user.id
            else None,
        )
        for rev, user in rows
    ]
