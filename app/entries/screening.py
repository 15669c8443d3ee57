"""Eligibility screening: eligible or ineligible with a reason, one by one or in bulk,
reopened only with a reason; every decision audited."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.audit.service import record, snapshot
from app.challenges.access import ChallengeAccess
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import Conflict, NotFound, Unprocessable
from app.entries.schemas import ScreeningIn
from app.mail.messages import eligibility_decided
from app.models import Eligibility, Entry, EntryStatus

SCREEN_FIELDS = ("eligibility", "eligibility_reason", "eligibility_note")


def _check_decision(body: ScreeningIn) -> None:
    if body.eligibility == "ineligible" and not (body.reason and body.reason.strip()):
        raise Unprocessable("reason: say why the entry is ineligible", field="reason")


def _screenable(entry: Entry) -> Conflict | None:
    if entry.status != EntryStatus.submitted:
        return Conflict(
            f"Entry {entry.reference or entry.id} is not submitted; only submitted entries are screened.",
            code="not_submitted",
        )
    if entry.eligibility != Eligibility.pending:
        return Conflict(
            f"Entry {entry.reference} is screened already; "
            "reopen its screening (with a reason) to change it.",
            code="already_screened",
        )
    return None


def _decide(
    session: Session, settings: Settings, access: ChallengeAccess, entry: Entry, body: ScreeningIn
) -> None:
    before = snapshot(entry, SCREEN_FIELDS)
    entry.eligibility = Eligibility(body.eligibility)
    entry.eligibility_reason = body.reason.strip() if body.reason and body.reason.strip() else None
    entry.eligibility_note = body.note.strip() if body.note and body.note.strip() else None
    entry.screened_by_id = access.user.id if access.user else None
    entry.screened_at = utcnow()
    session.add(entry)
    record(
        session,
        actor=access.user,
        action="entry.screen",
        object_type="entry",
        object_id=entry.id,
        challenge_id=entry.challenge_id,
        before=before,
        after=snapshot(entry, SCREEN_FIELDS),
    )
    eligibility_decided(session, settings, access.challenge, entry)


def screen(
    session: Session, settings: Settings, access: ChallengeAccess, entry: Entry, body: ScreeningIn
) -> Entry:
    """Mark one submitted, unscreened entry eligible or ineligible."""
    access.need_staff()
    _check_decision(body)
    problem = _screenable(entry)
    if problem:
        raise problem
    _decide(session, settings, access, entry, body)
    session.commit()
    return entry


def screen_many(
    session: Session,
    settings: Settings,
    access: ChallengeAccess,
    entry_ids: list[int],
    body: ScreeningIn,
) -> list[int]:
    """Screen several entries with one decision: all of them, or none if any cannot be."""
    access.need_staff()
    _check_decision(body)
    ids = sorted(set(entry_ids))
    entries = session.exec(
        select(Entry).where(col(Entry.id).in_(ids), Entry.challenge_id == access.challenge.id)
    ).all()
    found = {e.id for e in entries}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"No entries {missing} in this challenge.", field="entry_ids")
    for entry in entries:
        problem = _screenable(entry)
        if problem:
            raise Conflict(
                f"Nothing was screened: {problem.message}", code=problem.code, field="entry_ids"
            )
    for entry in entries:
        _decide(session, settings, access, entry, body)
    session.commit()
    return ids


def reopen(session: Session, access: ChallengeAccess, entry: Entry, reason: str) -> Entry:
    """Put a screened entry back to pending; the reason is kept in the audit log."""
    access.need_staff()
    if entry.eligibility == Eligibility.pending:
        raise Conflict("This entry's screening is open already.", code="not_screened")
    before = snapshot(entry, SCREEN_FIELDS)
    entry.eligibility = Eligibility.pending
    entry.eligibility_reason = None
    entry.eligibility_note = None
    entry.screened_by_id = None
    entry.screened_at = None
    session.add(entry)
    record(
        session,
        actor=access.user,
        action="entry.reopen_screening",
        object_type="entry",
        object_id=entry.id,
        challenge_id=entry.challenge_id,
        before=before,
        after=snapshot(entry, SCREEN_FIELDS),
        reason=reason,
    )
    session.commit()
    return entry
