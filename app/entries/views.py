"""How an entry is shown: to its owner, and to its challenge's staff."""

from __future__ import annotations

from collections import Counter
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
from app.models import Entry, EntryStatus, StoredFile, TeamMember, User


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
    session: Session, ctx: EntryContext, team: list[dict[str, Any]], files: list[StoredFile]
) -> list[Problem]:
    entry = ctx.entry
    assert ctx.challenge.id is not None
    return entry_problems(
        ctx.challenge,
        fields_at(session, ctx.challenge.id),
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


def entry_public(session: Session, ctx: EntryContext) -> EntryPublic:
    entry = ctx.entry
    assert entry.id is not None
    now = utcnow()
    team_rows = team_of(session, entry.id)
    team = [{"name": t.name, "email": t.email} for t in team_rows]
    files = files_of(session, entry.id)
    owner = session.get(User, entry.owner_id) if entry.owner_id else None
    problems = (
        problems_for(session, ctx, team, files) if entry.status != EntryStatus.withdrawn else []
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
