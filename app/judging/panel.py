"""The judging panel (judges invited by e-mail, linked to an account on acceptance) and the
conflict-of-interest register (declared, recorded by organisers, or detected)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit.service import changes, record, snapshot
from app.auth.schemas import EmailAddress, normalise_email
from app.challenges.access import ChallengeAccess
from app.core.config import Settings
from app.core.db import in_parts, utcnow
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.security import hash_token, new_token
from app.judging.assigning import drop_conflicted, release_withdrawn
from app.mail.outbox import queue_mail
from app.models import (
    Challenge,
    ChallengeRole,
    ConflictSource,
    Entry,
    EntryStatus,
    Judge,
    JudgeStatus,
    Membership,
    TeamMember,
    User,
)
from app.models import Conflict as ConflictOfInterest

JUDGE_FIELDS = ("display_name", "affiliation", "tags", "languages", "max_load", "status")

# Addresses at these providers say nothing about where someone works.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "ymail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.com",
        "yandex.ru",
        "qq.com",
        "163.com",
        "zoho.com",
        "example.com",
        "example.org",
    }
)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


Tag = Field(min_length=1, max_length=40)


class JudgeInvite(Input):
    email: EmailAddress
    display_name: str = Field(min_length=1, max_length=200)
    affiliation: str = Field(default="", max_length=300)
    tags: list[str] = Field(
        default_factory=list, max_length=20, description="perspectives: community, clinician, …"
    )
    languages: list[str] = Field(default_factory=list, max_length=20)
    max_load: int | None = Field(default=None, ge=1, le=10_000)


class JudgeUpdate(Input):
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    affiliation: str | None = Field(default=None, max_length=300)
    tags: list[str] | None = Field(default=None, max_length=20)
    languages: list[str] | None = Field(default=None, max_length=20)
    max_load: int | None = Field(default=None, ge=1, le=10_000)
    status: JudgeStatus | None = None


class JudgePublic(BaseModel):
    id: int
    email: str
    display_name: str
    affiliation: str
    tags: list[str]
    languages: list[str]
    max_load: int | None
    status: JudgeStatus
    user_id: int | None
    invited_at: datetime
    accepted_at: datetime | None


class AcceptIn(Input):
    token: str = Field(min_length=1, max_length=200)


class Accepted(BaseModel):
    challenge_slug: str
    judge: JudgePublic


class ConflictIn(Input):
    judge_id: int
    entry_id: int
    reason: str = Field(min_length=3, max_length=500)


class ConflictPublic(BaseModel):
    id: int
    judge_id: int
    judge_name: str
    entry_id: int
    entry_reference: str | None
    source: ConflictSource
    reason: str
    created_at: datetime


def _clean_list(values: list[str]) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        item = value.strip().lower()
        if item and item not in cleaned:
            cleaned.append(item[:40])
    return cleaned


def judge_public(judge: Judge) -> JudgePublic:
    return JudgePublic.model_validate(judge, from_attributes=True)


def panel(session: Session, challenge_id: int) -> list[Judge]:
    return list(
        session.exec(
            select(Judge)
            .where(Judge.challenge_id == challenge_id)
            .order_by(col(Judge.display_name), col(Judge.id))
        ).all()
    )


def invite(
    session: Session, settings: Settings, access: ChallengeAccess, body: JudgeInvite
) -> Judge:
    """Put someone on the panel and mail them a link; the account is linked when they accept."""
    challenge = access.challenge
    assert challenge.id is not None
    token = new_token()
    judge = Judge(
        challenge_id=challenge.id,
        email=normalise_email(body.email),
        display_name=body.display_name.strip(),
        affiliation=body.affiliation.strip(),
        tags=_clean_list(body.tags),
        languages=_clean_list(body.languages),
        max_load=body.max_load,
        invite_token_hash=hash_token(settings.secret_key, token),
    )
    session.add(judge)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "This address is on the panel already.", field="email", code="judge_exists"
        ) from None
    record(
        session,
        actor=access.user,
        action="judge.invite",
        object_type="judge",
        object_id=judge.id,
        challenge_id=challenge.id,
        after={"email": judge.email, **snapshot(judge, JUDGE_FIELDS)},
    )
    queue_mail(
        session,
        settings,
        template="judge_invitation",
        to_address=judge.email,
        challenge_id=challenge.id,
        context={
            "name": judge.display_name,
            "challenge_title": challenge.title,
            "inviter": access.user.display_name if access.user else "The organisers",
            "link": f"{settings.base_url}/judge-invitation.html?token={token}",
        },
    )
    session.commit()
    return judge


def _judge(session: Session, access: ChallengeAccess, judge_id: int) -> Judge:
    judge = session.get(Judge, judge_id)
    if judge is None or judge.challenge_id != access.challenge.id:
        raise NotFound("No such judge on this panel.")
    return judge


def update_judge(
    session: Session, access: ChallengeAccess, judge_id: int, body: JudgeUpdate
) -> Judge:
    judge = _judge(session, access, judge_id)
    before = snapshot(judge, JUDGE_FIELDS)
    values: dict[str, Any] = body.model_dump(exclude_unset=True)
    for name, value in values.items():
        if name in ("tags", "languages") and value is not None:
            value = _clean_list(value)
        if name == "status" and value == JudgeStatus.invited and judge.accepted_at is not None:
            raise Conflict("This judge accepted already.", field="status", code="judge_accepted")
        if name == "status" and value == JudgeStatus.active and judge.user_id is None:
            raise Conflict(
                "This judge has not accepted the invitation yet; they become active when they do.",
                field="status",
                code="judge_not_accepted",
            )
        if value is not None or name == "max_load":
            setattr(judge, name, value)
    old, new = changes(before, snapshot(judge, JUDGE_FIELDS))
    if new.get("status") == JudgeStatus.withdrawn:
        session.add(judge)
        session.flush()  # the panel the reassignment draws from leaves them out
        release_withdrawn(session, judge, access.user)
    if new:
        record(
            session,
            actor=access.user,
            action="judge.update",
            object_type="judge",
            object_id=judge.id,
            challenge_id=judge.challenge_id,
            before=old,
            after=new,
        )
    session.add(judge)
    session.commit()
    return judge


def accept(session: Session, settings: Settings, user: User, token: str) -> tuple[Judge, Challenge]:
    """Link the invitation to the logged-in account (the link proves the mailbox)."""
    judge = session.exec(
        select(Judge).where(Judge.invite_token_hash == hash_token(settings.secret_key, token))
    ).first()
    if judge is None or judge.status == JudgeStatus.withdrawn:
        raise BadRequest(
            "This invitation is invalid, was used already or was withdrawn.",
            field="token",
            code="invalid_token",
        )
    taken = session.exec(
        select(Judge.id).where(
            Judge.challenge_id == judge.challenge_id, Judge.user_id == user.id, Judge.id != judge.id
        )
    ).first()
    if taken is not None:
        raise Conflict("Your account is on this panel already.", field="token", code="judge_exists")
    judge.user_id = user.id
    judge.status = JudgeStatus.active
    judge.accepted_at = utcnow()
    judge.invite_token_hash = None  # single use
    session.add(judge)
    assert user.id is not None
    exists = session.exec(
        select(Membership.id).where(
            Membership.challenge_id == judge.challenge_id,
            Membership.user_id == user.id,
            Membership.role == ChallengeRole.judge,
        )
    ).first()
    if exists is None:
        session.add(
            Membership(challenge_id=judge.challenge_id, user_id=user.id, role=ChallengeRole.judge)
        )
    record(
        session,
        actor=user,
        action="judge.accept",
        object_type="judge",
        object_id=judge.id,
        challenge_id=judge.challenge_id,
        after={"user_id": user.id, "status": "active"},
    )
    session.commit()
    challenge = session.get(Challenge, judge.challenge_id)
    assert challenge is not None
    return judge, challenge


def conflict_register(session: Session, challenge_id: int) -> list[ConflictPublic]:
    rows = session.exec(
        select(ConflictOfInterest, Judge, Entry)
        .join(Judge, col(Judge.id) == col(ConflictOfInterest.judge_id))
        .join(Entry, col(Entry.id) == col(ConflictOfInterest.entry_id))
        .where(ConflictOfInterest.challenge_id == challenge_id)
        .order_by(col(ConflictOfInterest.id))
    ).all()
    return [
        ConflictPublic(
            id=c.id,
            judge_id=j.id,
            judge_name=j.display_name,
            entry_id=e.id,
            entry_reference=e.reference,
            source=c.source,
            reason=c.reason,
            created_at=c.created_at,
        )
        for c, j, e in rows
    ]


def record_conflict(
    session: Session, access: ChallengeAccess, body: ConflictIn
) -> ConflictOfInterest:
    """An organiser records a conflict between a judge of this panel and an entry of this call."""
    judge = _judge(session, access, body.judge_id)
    entry = session.get(Entry, body.entry_id)
    if entry is None or entry.challenge_id != access.challenge.id:
        raise NotFound("No such entry in this challenge.", field="entry_id")
    conflict = ConflictOfInterest(
        challenge_id=judge.challenge_id,
        judge_id=body.judge_id,
        entry_id=body.entry_id,
        source=ConflictSource.organiser,
        reason=body.reason,
        created_by_id=access.user.id if access.user else None,
    )
    session.add(conflict)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "This conflict is recorded already.", field="entry_id", code="conflict_exists"
        ) from None
    record(
        session,
        actor=access.user,
        action="conflict.record",
        object_type="conflict",
        object_id=conflict.id,
        challenge_id=judge.challenge_id,
        after={"judge_id": judge.id, "entry_id": entry.id},
        reason=body.reason,
    )
    assert judge.id is not None and entry.id is not None
    drop_conflicted(session, judge.challenge_id, {(judge.id, entry.id)}, access.user)
    session.commit()
    return conflict


def _domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].lower()
    if domain in PUBLIC_MAIL_DOMAINS or _reserved(domain):
        return None
    return domain


def _reserved(domain: str) -> bool:
    """The example domains of RFC 2606 and their subdomains (demo and test accounts), which
    say nothing about where anyone works."""
    return any(
        domain == base or domain.endswith("." + base)
        for base in ("example.org", "example.com", "example.net")
    )


def detect_conflicts(session: Session, access: ChallengeAccess) -> list[ConflictOfInterest]:
    """Find what the system can see for itself: a judge who submitted the entry or is on its
    team, or who shares an organisation or a non-public e-mail domain with the submitter or a
    team member. Conflicts already in the register are left as they are."""
    challenge_id = access.challenge.id
    judges = [j for j in panel(session, challenge_id or 0) if j.status != JudgeStatus.withdrawn]
    entries = session.exec(
        select(Entry).where(
            Entry.challenge_id == challenge_id, Entry.status == EntryStatus.submitted
        )
    ).all()
    owners = {
        u.id: u
        for part in in_parts({e.owner_id for e in entries if e.owner_id})
        for u in session.exec(select(User).where(col(User.id).in_(part))).all()
    }
    teams: dict[int, list[TeamMember]] = {}
    for part in in_parts(e.id for e in entries if e.id is not None):
        for member in session.exec(
            select(TeamMember).where(col(TeamMember.entry_id).in_(part))
        ).all():
            teams.setdefault(member.entry_id, []).append(member)
    known = set(
        session.exec(
            select(ConflictOfInterest.judge_id, ConflictOfInterest.entry_id).where(
                ConflictOfInterest.challenge_id == challenge_id
            )
        ).all()
    )
    created: list[ConflictOfInterest] = []
    for entry in entries:
        owner = owners.get(entry.owner_id) if entry.owner_id else None
        people = [(owner.email if owner else entry.submitter_contact, "the submitter")]
        people += [(m.email, f"team member {m.name}") for m in teams.get(entry.id or 0, [])]
        organisation = (
            str(entry.answers.get("organisation") or entry.answers.get("affiliation") or "")
            .strip()
            .lower()
        )
        for judge in judges:
            if (judge.id, entry.id) in known:
                continue
            reason = None
            if judge.user_id is not None and judge.user_id == entry.owner_id:
                reason = "The judge submitted this entry."
            elif any(email and normalise_email(email) == judge.email for email, _ in people):
                reason = "The judge is on this entry's team."
            elif (
                judge.affiliation
                and organisation
                and judge.affiliation.strip().lower() == organisation
            ):
                reason = f"The judge and the entrant share an organisation ({judge.affiliation})."
            else:
                judge_domain = _domain(judge.email)
                for email, who in people:
                    if judge_domain and _domain(email) == judge_domain:
                        reason = f"The judge shares the e-mail domain {judge_domain} with {who}."
                        break
            if reason:
                assert judge.id is not None and entry.id is not None
                conflict = ConflictOfInterest(
                    challenge_id=challenge_id or 0,
                    judge_id=judge.id,
                    entry_id=entry.id,
                    source=ConflictSource.detected,
                    reason=reason,
                )
                session.add(conflict)
                created.append(conflict)
                known.add((judge.id, entry.id))
    session.flush()
    for conflict in created:
        record(
            session,
            actor=access.user,
            action="conflict.detect",
            object_type="conflict",
            object_id=conflict.id,
            challenge_id=challenge_id,
            after={"judge_id": conflict.judge_id, "entry_id": conflict.entry_id},
            reason=conflict.reason,
        )
    drop_conflicted(
        session, challenge_id or 0, {(c.judge_id, c.entry_id) for c in created}, access.user
    )
    session.commit()
    return created
