"""Entries: start, save, submit, change, withdraw. Every deadline is checked by the server,
inside the write's transaction, against the clock at that moment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from app.audit.service import record
from app.challenges.access import ChallengeAccess
from app.challenges.form import fields_at
from app.challenges.phase import (
    current_phase,
    deadline,
    judging_started,
    taking_offline_entries,
)
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Unprocessable
from app.entries.access import EntryContext
from app.entries.rules import blocking_problems, evaluate_all
from app.entries.schemas import EntryCreate, EntryUpdate, Problem
from app.entries.views import entry_snapshot, files_of, problems_for, team_of
from app.mail.outbox import Notice, queue_mail
from app.models import (
    Challenge,
    Channel,
    Entry,
    EntryRevision,
    EntryStatus,
    FieldType,
    TeamMember,
    User,
)


def _deadline_passed(challenge: Challenge) -> Conflict:
    end = deadline(challenge)
    when = f" ({end.isoformat()} UTC)" if end else ""
    return Conflict(f"The deadline for this call has passed{when}.", code="deadline_passed")


def _active_entries(
    session: Session, challenge_id: int, owner_id: int, status: tuple[EntryStatus, ...]
) -> int:
    return session.exec(
        select(func.count())
        .select_from(Entry)
        .where(
            Entry.challenge_id == challenge_id,
            Entry.owner_id == owner_id,
            col(Entry.status).in_(status),
        )
    ).one()


def _limit_reached(challenge: Challenge) -> Conflict:
    n = challenge.max_entries_per_participant
    return Conflict(
        f"This call takes at most {n} entr{'y' if n == 1 else 'ies'} per participant.",
        code="entry_limit",
    )


def offline_closed(challenge: Challenge, now: datetime) -> Conflict:
    """Why staff cannot take entries for the call now (see `taking_offline_entries`)."""
    if current_phase(challenge, now) in ("draft", "upcoming"):
        return Conflict(
            "This call has not opened yet: entries can be taken once it opens.",
            code="not_accepting",
        )
    return Conflict(
        "Entries can be taken for this call only until judging starts.", code="not_accepting"
    )


def take_references(session: Session, challenge: Challenge, count: int) -> list[str]:
    """The next `count` entry references of the call (e.g. HIV-0042). Taking them locks the
    challenge row first, so submits and imports to one call are serialised on SQLite and
    PostgreSQL alike; a rolled-back write gives its numbers back."""
    last = session.execute(
        update(Challenge)
        .where(col(Challenge.id) == challenge.id)
        .values(entry_counter=Challenge.entry_counter + count)
        .returning(col(Challenge.entry_counter))
    ).scalar_one()
    return [f"{challenge.reference_prefix}-{n:04d}" for n in range(last - count + 1, last + 1)]


def start_entry(session: Session, access: ChallengeAccess, body: EntryCreate) -> Entry:
    """Start a draft: a participant's own, or one staff take on someone's behalf from an
    offline channel (e-mail, paper, WhatsApp, SMS, in person, drop box)."""
    user = access.need_user()
    challenge = access.challenge
    assert challenge.id is not None and user.id is not None
    now = utcnow()
    if body.on_behalf is not None:
        access.need_staff()
        if not taking_offline_entries(challenge, now):
            raise offline_closed(challenge, now)
        entry = Entry(
            challenge_id=challenge.id,
            owner_id=None,
            created_by_id=user.id,
            channel=Channel(body.on_behalf.channel),
            submitter_name=body.on_behalf.submitter_name,
            submitter_contact=body.on_behalf.submitter_contact or None,
            title=body.title,
            form_version=challenge.form_version,
        )
        session.add(entry)
        session.flush()
        record(
            session,
            actor=user,
            action="entry.create_on_behalf",
            object_type="entry",
            object_id=entry.id,
            challenge_id=challenge.id,
            after={"channel": entry.channel.value, "submitter_name": entry.submitter_name},
        )
        session.commit()
        return entry
    if current_phase(challenge, now) != "open":
        raise Conflict("This call is not taking entries now.", code="not_accepting")
    if _active_entries(
        session, challenge.id, user.id, (EntryStatus.draft, EntryStatus.submitted)
    ) >= (challenge.max_entries_per_participant):
        raise _limit_reached(challenge)
    entry = Entry(
        challenge_id=challenge.id,
        owner_id=user.id,
        created_by_id=user.id,
        title=body.title,
        form_version=challenge.form_version,
    )
    session.add(entry)
    session.commit()
    return entry


def _apply(session: Session, entry: Entry, body: EntryUpdate) -> list[dict[str, Any]] | None:
    values = body.model_dump(exclude_unset=True)
    for name in ("title", "summary"):
        if name in values:
            setattr(entry, name, values[name] or "")
    for name in ("category", "language", "submitter_name", "submitter_contact"):
        if name in values:
            setattr(entry, name, values[name] or None)
    if values.get("licence_accepted") is not None:
        entry.licence_accepted = values["licence_accepted"]
    if body.answers is not None:
        merged = dict(entry.answers)
        for key, value in body.answers.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        entry.answers = merged
    if body.team is None:
        return None
    assert entry.id is not None
    for old in team_of(session, entry.id):
        session.delete(old)
    team = [m.model_dump() for m in body.team]
    for position, member in enumerate(team):
        session.add(
            TeamMember(
                entry_id=entry.id,
                name=member["name"].strip(),
                email=member["email"] or None,
                position=position,
            )
        )
    return team


def _raise_problems(problems: list[Problem], message: str) -> None:
    if problems:
        raise Unprocessable(
            f"{message} {problems[0].field}: {problems[0].message}",
            field=problems[0].field,
            details=[p.model_dump() for p in problems],
            code="entry_incomplete",
        )


def _check_complete(session: Session, ctx: EntryContext, team: list[dict[str, Any]]) -> list[Any]:
    """Every form problem, then every blocking eligibility rule; returns the rule outcomes."""
    entry = ctx.entry
    assert entry.id is not None
    files = files_of(session, entry.id)
    _raise_problems(problems_for(session, ctx, team, files), "The entry cannot be submitted yet.")
    outcomes = evaluate_all(
        ctx.challenge.eligibility_rules, entry.answers, utcnow().astimezone(UTC).date()
    )
    _raise_problems(
        blocking_problems(outcomes), "The entry does not meet the call's eligibility rules."
    )
    return [o.model_dump() for o in outcomes]


def revise(session: Session, ctx: EntryContext, kind: str, team: list[dict[str, Any]]) -> None:
    entry = ctx.entry
    assert entry.id is not None
    number = (
        session.exec(
            select(func.coalesce(func.max(EntryRevision.number), 0)).where(
                EntryRevision.entry_id == entry.id
            )
        ).one()
        + 1
    )
    session.add(
        EntryRevision(
            entry_id=entry.id,
            number=number,
            kind=kind,
            author_id=ctx.user.id if ctx.user else None,
            snapshot=entry_snapshot(entry, team, files_of(session, entry.id)),
        )
    )


def require_changeable(ctx: EntryContext) -> None:
    if not ctx.may_change:
        raise Forbidden("Only the entrant may change this entry.")
    if ctx.entry.status == EntryStatus.withdrawn:
        raise Conflict("This entry was withdrawn.", code="withdrawn")
    if not ctx.open_for_changes(utcnow()):
        raise _deadline_passed(ctx.challenge)


EDIT_CONFLICT = (
    "This entry was changed somewhere else since this change was made, so it was not saved. "
    "Load the entry again and choose which version to keep."
)
SUBMIT_CONFLICT = (
    "This entry was changed somewhere else while it was being submitted, so it was not "
    "submitted. Load the entry again, check it and submit it."
)


def _claim_version(
    session: Session, entry_id: int, expected: datetime, now: datetime, message: str = EDIT_CONFLICT
) -> None:
    """Moves the entry's updated_at from `expected` to `now`, or raises edit_conflict when it
    is no longer `expected`. One conditional UPDATE, so of two saves made on the same version
    (two devices coming back online at once) exactly one gets through; the row stays locked
    until the save commits."""
    claimed = session.execute(
        update(Entry)
        .where(col(Entry.id) == entry_id, col(Entry.updated_at) == expected)
        .values(updated_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(message, code="edit_conflict")


def save_entry(session: Session, ctx: EntryContext, body: EntryUpdate) -> Entry:
    """Save a draft as it is (nothing typed is lost, valid or not), or change a submitted
    entry, which must stay complete and is kept as a revision."""
    require_changeable(ctx)
    entry = ctx.entry
    assert entry.id is not None
    now = utcnow()
    if body.expected_updated_at is not None:
        _claim_version(session, entry.id, body.expected_updated_at, now)
    team = _apply(session, entry, body)
    entry.form_version = ctx.challenge.form_version
    entry.updated_at = now
    if entry.status == EntryStatus.draft:
        # Shown while drafting, so entrants see how the declared rules read their answers.
        today = utcnow().astimezone(UTC).date()
        entry.rule_outcomes = [
            o.model_dump()
            for o in evaluate_all(ctx.challenge.eligibility_rules, entry.answers, today)
        ]
    if entry.status == EntryStatus.submitted:
        current_team = (
            team
            if team is not None
            else [{"name": t.name, "email": t.email} for t in team_of(session, entry.id)]
        )
        session.flush()
        try:
            entry.rule_outcomes = _check_complete(session, ctx, current_team)
        except Unprocessable:
            session.rollback()
            raise
        revise(session, ctx, "edit", current_team)
    session.add(entry)
    session.commit()
    return entry


def submit_entry(session: Session, ctx: EntryContext, settings: Settings) -> Entry:
    """Submit a draft: complete, within the deadline and the participant's limit, once."""
    if not ctx.may_change:
        raise Forbidden("Only the entrant may submit this entry.")
    challenge, entry = ctx.challenge, ctx.entry
    assert challenge.id is not None and entry.id is not None
    # On time is judged when the submit arrived, not after waiting for the lock below in a
    # deadline rush.
    arrived = utcnow()
    # Checked first without the call's lock, which submits to one call queue for: an entry
    # that is incomplete, late or already in is refused without waiting behind the others,
    # and the form and rules are read outside the lock.
    _check_submittable(session, ctx, arrived)
    team = [{"name": t.name, "email": t.email} for t in team_of(session, entry.id)]
    outcomes = _check_complete(session, ctx, team)
    checked = entry.updated_at
    (reference,) = take_references(session, challenge, 1)  # the lock, held to the commit
    session.refresh(entry)
    session.refresh(challenge)
    now = utcnow()
    try:
        # Under the lock, what another request may have changed meanwhile: this entry (a
        # second submit, a save from another device), the deadline, the entrant's other entries.
        _check_submittable(session, ctx, arrived)
        if entry.updated_at != checked:
            raise Conflict(SUBMIT_CONFLICT, code="edit_conflict")
    except Conflict:
        session.rollback()
        raise
    # What was checked is what is submitted: the row stays as it was until the commit.
    _claim_version(session, entry.id, checked, now, SUBMIT_CONFLICT)
    entry.reference = reference
    entry.status = EntryStatus.submitted
    entry.submitted_at = arrived
    entry.updated_at = now
    entry.licence = challenge.licence.value
    entry.rule_outcomes = outcomes
    entry.form_version = challenge.form_version
    session.add(entry)
    revise(session, ctx, "submit", team)
    record(
        session,
        actor=ctx.user,
        action="entry.submit",
        object_type="entry",
        object_id=entry.id,
        challenge_id=challenge.id,
        before={"status": "draft"},
        after={"status": "submitted", "reference": entry.reference, "channel": entry.channel.value},
    )
    _queue_receipt(session, settings, ctx)
    session.commit()
    return entry


def _check_submittable(session: Session, ctx: EntryContext, at: datetime) -> None:
    """A draft, on time at `at`, and within the entrant's limit of submitted entries."""
    challenge, entry = ctx.challenge, ctx.entry
    assert challenge.id is not None
    if entry.status != EntryStatus.draft:
        raise Conflict("This entry was submitted already.", code="already_submitted")
    if not ctx.open_for_changes(at):
        raise _deadline_passed(challenge)
    if (
        entry.owner_id is not None
        and _active_entries(session, challenge.id, entry.owner_id, (EntryStatus.submitted,))
        >= challenge.max_entries_per_participant
    ):
        raise _limit_reached(challenge)


def _queue_receipt(session: Session, settings: Settings, ctx: EntryContext) -> None:
    entry, challenge = ctx.entry, ctx.challenge
    owner = session.get(User, entry.owner_id) if entry.owner_id else None
    address = (
        owner.email
        if owner
        else (
            entry.submitter_contact
            if entry.submitter_contact and "@" in entry.submitter_contact
            else None
        )
    )
    if address is None:
        return  # taken offline from someone with no e-mail: staff hand over the reference
    assert challenge.id is not None
    labels = {f.key: f for f in fields_at(session, challenge.id)}
    answers = []
    for key, value in entry.answers.items():
        field = labels.get(key)
        if field is None or field.type == FieldType.file:
            continue
        if isinstance(value, dict) and "amount" in value:
            value = f"{value['amount']} {value.get('currency', '')}"
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        answers.append((field.label, value))
    queue_mail(
        session,
        settings,
        template="entry_receipt",
        to_address=address,
        user_id=entry.owner_id,
        challenge_id=challenge.id,
        language=owner.language if owner else None,
        notice=Notice(
            title=f"Entry {entry.reference} received",
            body=entry.title,
            link=f"/entry.html?id={entry.id}",
        ),
        context={
            "name": owner.display_name if owner else entry.submitter_name or "",
            "challenge_title": challenge.title,
            "reference": entry.reference,
            "title": entry.title,
            "submitted_at": entry.submitted_at.strftime("%d %B %Y, %H:%M UTC")
            if entry.submitted_at
            else "",
            "answers": answers,
            "link": f"{settings.base_url}/entry.html?id={entry.id}",
        },
    )


def withdraw_entry(session: Session, ctx: EntryContext) -> Entry:
    """Withdraw a draft or a submitted entry, until judging starts."""
    entry = ctx.entry
    if not ctx.may_change:
        raise Forbidden("Only the entrant may withdraw this entry.")
    if entry.status == EntryStatus.withdrawn:
        raise Conflict("This entry was withdrawn already.", code="withdrawn")
    if judging_started(ctx.challenge, utcnow()):
        raise Conflict(
            "Judging has started: entries can no longer be withdrawn.", code="judging_started"
        )
    before = entry.status.value
    now = utcnow()
    entry.status = EntryStatus.withdrawn
    entry.withdrawn_at = now
    entry.updated_at = now
    session.add(entry)
    record(
        session,
        actor=ctx.user,
        action="entry.withdraw",
        object_type="entry",
        object_id=entry.id,
        challenge_id=entry.challenge_id,
        before={"status": before},
        after={"status": "withdrawn"},
    )
    session.commit()
    return entry
