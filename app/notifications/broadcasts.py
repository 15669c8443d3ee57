"""Organisers' broadcasts: a message to one segment of a call's people, by mail (unless they
turned such messages off) and on their notifications page, audited."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.audit.service import record
from app.challenges.access import ChallengeAccess
from app.challenges.content import render_markdown
from app.core.config import Settings
from app.core.errors import Conflict
from app.core.pagination import paginate_by_id
from app.mail.outbox import Notice, Outgoing, queue_many, render, unsubscribe_token
from app.models import (
    Award,
    AwardTier,
    Broadcast,
    Challenge,
    Eligibility,
    Entry,
    EntryStatus,
    Judge,
    JudgeStatus,
    OutboxMessage,
    Round,
    RoundEntry,
    User,
    Vote,
    VoteStatus,
)
from app.notifications.schemas import BroadcastIn, BroadcastPreview, BroadcastPublic, Segment

TEMPLATE = "broadcast"
KIND = "broadcast"
SAMPLE_SIZE = 10


def _finalist_round(session: Session, challenge_id: int) -> int | None:
    """The call's last round (by position) that advanced any entry."""
    return session.exec(
        select(Round.id)
        .join(RoundEntry, col(RoundEntry.round_id) == col(Round.id))
        .where(Round.challenge_id == challenge_id, col(RoundEntry.advanced).is_(True))
        .order_by(col(Round.position).desc())
        .limit(1)
    ).first()


def segment_ids(session: Session, challenge_id: int, segment: Segment) -> Any:
    """A SELECT of the user ids in the segment (repeats and nulls allowed: the recipients'
    query takes each account once)."""
    entries = col(Entry.challenge_id) == challenge_id
    submitted = entries & (col(Entry.status) == EntryStatus.submitted)
    if segment == Segment.all_entrants:
        return select(Entry.owner_id).where(submitted)
    if segment == Segment.drafts:
        other = aliased(Entry)
        has_submitted = (
            select(other.id)
            .where(
                col(other.challenge_id) == challenge_id,
                col(other.owner_id) == col(Entry.owner_id),
                col(other.status) == EntryStatus.submitted,
            )
            .exists()
        )
        return select(Entry.owner_id).where(
            entries, col(Entry.status) == EntryStatus.draft, ~has_submitted
        )
    if segment == Segment.eligible:
        return select(Entry.owner_id).where(
            submitted, col(Entry.eligibility) == Eligibility.eligible
        )
    if segment == Segment.finalists:
        awarded = select(Award.entry_id).where(
            Award.challenge_id == challenge_id, col(Award.tier) == AwardTier.finalist
        )
        finalist: Any = col(Entry.id).in_(awarded)
        round_id = _finalist_round(session, challenge_id)
        if round_id is not None:
            advanced = select(RoundEntry.entry_id).where(
                RoundEntry.round_id == round_id, col(RoundEntry.advanced).is_(True)
            )
            finalist = finalist | col(Entry.id).in_(advanced)
        return select(Entry.owner_id).where(submitted, finalist)
    if segment == Segment.judges:
        return select(Judge.user_id).where(
            Judge.challenge_id == challenge_id, col(Judge.status) == JudgeStatus.active
        )
    return select(Vote.voter_id).where(
        Vote.challenge_id == challenge_id, col(Vote.status) == VoteStatus.counted
    )


def _in_segment(session: Session, challenge_id: int, segment: Segment) -> Any:
    """The condition on User: an active account in the segment."""
    members = segment_ids(session, challenge_id, segment)
    return col(User.id).in_(members) & col(User.is_active).is_(True)


def recipients(session: Session, challenge: Challenge, segment: Segment) -> list[User]:
    """Everyone the segment names, each once, in a stable order."""
    assert challenge.id is not None
    return list(
        session.exec(
            select(User).where(_in_segment(session, challenge.id, segment)).order_by(col(User.id))
        ).all()
    )


def _context(settings: Settings, challenge: Challenge, broadcast: Broadcast, name: str) -> dict:
    return {
        "name": name,
        "challenge_title": challenge.title,
        "subject": broadcast.subject,
        "body_text": broadcast.body,
        # The organiser's Markdown through the app's one sanitiser (raw HTML escaped, only
        # plain formatting and http(s)/mailto links kept), so the template may show it as is.
        "body_html": Markup(render_markdown(broadcast.body)),  # noqa: S704 (sanitised)
        "link": f"{settings.base_url}/challenge.html?slug={challenge.slug}",
        "preferences_url": f"{settings.base_url}/account.html#mail-preferences",
    }


def preview(
    session: Session, settings: Settings, access: ChallengeAccess, body: BroadcastIn
) -> BroadcastPreview:
    """How many people the segment holds, up to ten of their names, and the message as the
    first of them will read it (with the organiser's own unsubscribe link standing in for
    theirs). Nothing is stored."""
    organiser = access.need_organiser()
    challenge = access.challenge
    assert challenge.id is not None and organiser.id is not None
    condition = _in_segment(session, challenge.id, body.segment)
    count = session.scalar(select(func.count()).select_from(User).where(condition)) or 0
    sample = list(
        session.exec(
            select(User.display_name)
            .where(condition)
            .order_by(col(User.display_name), col(User.id))
            .limit(SAMPLE_SIZE)
        ).all()
    )
    draft = Broadcast(
        challenge_id=challenge.id, segment=body.segment, subject=body.subject, body=body.body
    )
    context = {
        "site_name": "OpenCall",
        "base_url": settings.base_url,
        "unsubscribe_url": f"{settings.base_url}/api/unsubscribe?token="
        + unsubscribe_token(settings, organiser.id, KIND),
        **_context(settings, challenge, draft, sample[0] if sample else organiser.display_name),
    }
    subject, text, html = render(TEMPLATE, context)
    return BroadcastPreview(
        segment=body.segment,
        recipients=int(count),
        sample=sample,
        subject=subject,
        text=text,
        html=html,
    )


def queue_broadcast(
    session: Session,
    settings: Settings,
    challenge: Challenge,
    broadcast: Broadcast,
    people: list[User] | None = None,
) -> int:
    """Queue the broadcast for everyone in its segment (now, unless `people` says who), each
    with their notice; keyed by broadcast and person, so running it again (a retry) queues
    nobody twice. Returns how many people it was for."""
    if people is None:
        people = recipients(session, challenge, Segment(broadcast.segment))
    notice_body = f"From the organisers of “{challenge.title}”:\n\n{broadcast.body}"
    shared = _context(settings, challenge, broadcast, "")
    queue_many(
        session,
        settings,
        template=TEMPLATE,
        kind=KIND,
        challenge_id=challenge.id,
        broadcast_id=broadcast.id,
        items=[
            Outgoing(
                to_address=person.email,
                user_id=person.id,
                idempotency_key=f"broadcast:{broadcast.id}:{person.id}",
                language=person.language,
                context={**shared, "name": person.display_name},
                notice=Notice(
                    title=broadcast.subject,
                    body=notice_body,
                    link=f"/challenge.html?slug={challenge.slug}",
                ),
            )
            for person in people
        ],
    )
    return len(people)


def send(
    session: Session, settings: Settings, access: ChallengeAccess, body: BroadcastIn
) -> BroadcastPublic:
    """Record the broadcast, queue it to its segment and audit it, all in one transaction:
    the messages exist exactly when the broadcast does."""
    organiser = access.need_organiser()
    challenge = access.challenge
    assert challenge.id is not None
    people = recipients(session, challenge, body.segment)
    if not people:
        raise Conflict("Nobody is in this segment yet, so nothing was sent.", field="segment")
    broadcast = Broadcast(
        challenge_id=challenge.id,
        segment=body.segment,
        subject=body.subject,
        body=body.body,
        recipients=len(people),
        created_by_id=organiser.id,
    )
    session.add(broadcast)
    session.flush()
    queue_broadcast(session, settings, challenge, broadcast, people)
    record(
        session,
        actor=organiser,
        action="broadcast.send",
        object_type="broadcast",
        object_id=broadcast.id,
        challenge_id=challenge.id,
        after={
            "segment": broadcast.segment,
            "subject": broadcast.subject,
            "recipients": broadcast.recipients,
        },
    )
    session.commit()
    return _page(session, [broadcast])[0]


def broadcasts(
    session: Session, challenge: Challenge, limit: int, cursor: str | None
) -> tuple[list[BroadcastPublic], str | None]:
    """The call's broadcasts, newest first, with each one's delivery so far."""
    rows, next_cursor = paginate_by_id(
        session,
        select(Broadcast).where(Broadcast.challenge_id == challenge.id),
        Broadcast.id,
        limit,
        cursor,
    )
    return _page(session, rows), next_cursor


def _page(session: Session, rows: list[Broadcast]) -> list[BroadcastPublic]:
    ids = [b.id for b in rows]
    counts: dict[tuple[int | None, str], int] = {}
    for broadcast_id, status, n in session.exec(
        select(OutboxMessage.broadcast_id, OutboxMessage.status, func.count())
        .where(col(OutboxMessage.broadcast_id).in_(ids))
        .group_by(col(OutboxMessage.broadcast_id), col(OutboxMessage.status))
    ).all():
        counts[(broadcast_id, status)] = int(n)
    creator_ids = {b.created_by_id for b in rows if b.created_by_id is not None}
    names = dict(
        session.exec(select(User.id, User.display_name).where(col(User.id).in_(creator_ids))).all()
    )
    result = []
    for b in rows:
        assert b.id is not None
        sent, pending, failed = (counts.get((b.id, s), 0) for s in ("sent", "pending", "failed"))
        result.append(
            BroadcastPublic(
                id=b.id,
                segment=Segment(b.segment),
                subject=b.subject,
                body=b.body,
                recipients=b.recipients,
                sent=sent,
                pending=pending,
                failed=failed,
                not_mailed=max(0, b.recipients - sent - pending - failed),
                created_by=names.get(b.created_by_id) if b.created_by_id else None,
                created_at=b.created_at,
            )
        )
    return result
