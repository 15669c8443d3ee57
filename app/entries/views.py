"""How an entry is shown: to its owner, and to its challenge's staff."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.challenges.form import fields_at
from app.core.db import utcnow
from app.entries.access import EntryContext
from app.entries.schemas import (
    AttachmentPublic,
    EntryPublic,
    PersonRef,
    Problem,
    RuleOutcome,
    TeamMemberPublic,
)
from app.entries.validation import entry_problems
from app.models import Entry, EntryStatus, FormField, StoredFile, TeamMember, User


def team_of(session: Session, entry_id: int) -> list[TeamMember]:
    return list(
        session.exec(
            select(TeamMember)
            .where(TeamMember.entry_id == entry_id)
            .order_by(col(TeamMember.position))
        ).all()
    )


def files_of(session: Session, entry_id: int) -> list[StoredFile]:
    return list(
        session.exec(
            select(StoredFile).where(StoredFile.entry_id == entry_id).order_by(col(StoredFile.id))
        ).all()
    )


def attachment_public(file: StoredFile) -> AttachmentPublic:
    assert file.id is not None
    return AttachmentPublic(
        id=file.id,
        field_key=file.field_key,
        original_name=file.original_name,
        content_type=file.content_type,
        size=file.size,
        sha256=file.sha256,
        created_at=file.created_at,
        url=f"/api/attachments/{file.id}",
    )


def problems_for(
    session: Session,
    ctx: EntryContext,
    team: list[dict[str, Any]],
    files: list[StoredFile],
    fields: list[FormField] | None = None,
) -> list[Problem]:
    entry = ctx.entry
    assert ctx.challenge.id is not None
    return entry_problems(
        ctx.challenge,
        fields if fields is not None else fields_at(session, ctx.challenge.id),
        title=entry.title,
        summary=entry.summary,
        category=entry.category,
        language=entry.language,
        answers=entry.answers,
        team=team,
        licence_accepted=entry.licence_accepted,
        files_by_field=Counter(f.field_key for f in files if f.field_key),
    )


def entry_snapshot(
    entry: Entry, team: list[dict[str, Any]], files: list[StoredFile]
) -> dict[str, Any]:
    """What a revision keeps: the content of the entry as it stood."""
    return {
        "title": entry.title,
        "summary": entry.summary,
        "category": entry.category,
        "language": entry.language,
        "answers": entry.answers,
        "team": team,
        "licence_accepted": entry.licence_accepted,
        "form_version": entry.form_version,
        "attachments": [
            {"id": f.id, "field_key": f.field_key, "name": f.original_name, "sha256": f.sha256}
            for f in files
        ],
    }


@dataclass
class Preloaded:
    """What entry_public reads besides the entry, loaded for a whole page of entries in a
    few queries instead of a few per entry."""

    teams: dict[int, list[TeamMember]]
    files: dict[int, list[StoredFile]]
    fields: dict[int, list[FormField]]  # by challenge


def preload(session: Session, entries: list[Entry]) -> Preloaded:
    ids = [e.id for e in entries if e.id is not None]
    teams: dict[int, list[TeamMember]] = defaultdict(list)
    for member in session.exec(
        select(TeamMember)
        .where(col(TeamMember.entry_id).in_(ids))
        .order_by(col(TeamMember.position))
    ).all():
        teams[member.entry_id].append(member)
    files: dict[int, list[StoredFile]] = defaultdict(list)
    for file in session.exec(
        select(StoredFile).where(col(StoredFile.entry_id).in_(ids)).order_by(col(StoredFile.id))
    ).all():
        assert file.entry_id is not None
        files[file.entry_id].append(file)
    fields = {cid: fields_at(session, cid) for cid in sorted({e.challenge_id for e in entries})}
    return Preloaded(teams=teams, files=files, fields=fields)


def entry_public(session: Session, ctx: EntryContext, pre: Preloaded | None = None) -> EntryPublic:
    entry = ctx.entry
    assert entry.id is not None
    now = utcnow()
    team_rows = pre.teams.get(entry.id, []) if pre else team_of(session, entry.id)
    team = [{"name": t.name, "email": t.email} for t in team_rows]
    files = pre.files.get(entry.id, []) if pre else files_of(session, entry.id)
    owner = session.get(User, entry.owner_id) if entry.owner_id else None
    fields = pre.fields.get(entry.challenge_id) if pre else None
    problems = (
        problems_for(session, ctx, team, files, fields)
        if entry.status != EntryStatus.withdrawn
        else []
    )
    return EntryPublic(
        id=entry.id,
        challenge_slug=ctx.challenge.slug,
        challenge_title=ctx.challenge.title,
        reference=entry.reference,
        status=entry.status,
        eligibility=entry.eligibility,
        eligibility_reason=entry.eligibility_reason,
        # The screener's note is for the organising team; the reason is for the entrant too.
        eligibility_note=entry.eligibility_note if ctx.access.staff else None,
        title=entry.title,
        summary=entry.summary,
        category=entry.category,
        language=entry.language,
        answers=entry.answers,
        form_version=entry.form_version,
        team=[TeamMemberPublic(name=t.name, email=t.email) for t in team_rows],
        licence_accepted=entry.licence_accepted,
        licence=entry.licence,
        channel=entry.channel,
        submitter_name=entry.submitter_name,
        submitter_contact=entry.submitter_contact,
        owner=PersonRef(id=owner.id, display_name=owner.display_name)
        if owner and owner.id
        else None,
        attachments=[attachment_public(f) for f in files],
        rule_outcomes=[RuleOutcome.model_validate(o) for o in entry.rule_outcomes],
        problems=problems,
        editable=ctx.editable(now),
        withdrawable=ctx.withdrawable(now),
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        submitted_at=entry.submitted_at,
        withdrawn_at=entry.withdrawn_at,
    )
