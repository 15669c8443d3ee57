"""Judging progress per judge, and per entry a page at a time with the entry's judges
(counted in SQL), and reminders by mail to the judges whose scorecards are still due."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.audit.service import record
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import Conflict, Unprocessable
from app.core.pagination import decode_cursor, encode_cursor
from app.judging.assigning import AssignmentPublic, assignments
from app.judging.ranking import entries_matching, entry_labels
from app.judging.rounds import RoundAccess, RoundState, round_state
from app.judging.scoring import round_entries
from app.mail.outbox import Notice, queue_mail
from app.models import (
    Assignment,
    Judge,
    JudgeStatus,
    Scorecard,
    ScorecardStatus,
    User,
)


class JudgeProgress(BaseModel):
    judge_id: int
    display_name: str
    email: str
    due: int = Field(description="entries assigned to the judge in the round")
    submitted: int
    drafts: int
    last_saved_at: datetime | None
    reminded_at: datetime | None


class RoundProgress(BaseModel):
    round_id: int
    state: RoundState
    due: int
    submitted: int
    drafts: int
    judges: list[JudgeProgress]


class EntryJudges(BaseModel):
    entry_id: int
    reference: str | None
    title: str | None
    category: str | None
    assigned: int
    submitted: int
    short: int = Field(description="judges the entry still lacks to reach k")
    pairs: list[AssignmentPublic] = Field(description="its judges, with their scorecards' state")


class EntryJudgesPage(BaseModel):
    """A page of the round's entries with their judges, in entry order."""

    items: list[EntryJudges]
    next_cursor: str | None
    total: int = Field(description="entries in the round")
    matching: int = Field(description="entries the filters match (`total` without filters)")
    lacking: int = Field(description="entries in the round with fewer than k judges")
    pairs: int = Field(description="(entry, judge) pairs in the round")


class RemindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    judge_ids: list[int] | None = Field(
        default=None, max_length=500, description="null: every judge with scorecards still due"
    )
    message: str = Field(default="", max_length=2000, description="added to the reminder")


class Reminded(BaseModel):
    sent: int
    judge_ids: list[int]


_submitted = case((col(Scorecard.status) == ScorecardStatus.submitted, 1), else_=0)
_draft = case((col(Scorecard.status) == ScorecardStatus.draft, 1), else_=0)


def _entry_counts(session: Session, round_id: int) -> dict[int, tuple[int, int]]:
    """Each entry's judges and submitted scorecards in the round, counted in SQL."""
    return {
        e: (int(n), int(s))
        for e, n, s in session.exec(
            select(
                col(Assignment.entry_id),
                func.count(col(Assignment.id)),
                func.coalesce(func.sum(_submitted), 0),
            )
            .join(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id), isouter=True)
            .where(Assignment.round_id == round_id)
            .group_by(col(Assignment.entry_id))
        ).all()
    }


def entries_with_judges(
    session: Session,
    ra: RoundAccess,
    *,
    limit: int,
    cursor: str | None,
    q: str | None = None,
    short: bool | None = None,
) -> EntryJudgesPage:
    """The round's entries a page at a time, each with its judges and counts; filtered by
    reference or title, or to those short of k judges (or not). What the assignment page
    shows of a round of 100,000 entries and 300,000 pairs without reading them all."""
    ra.challenge_access.need_organiser()
    round_ = ra.round
    assert round_.id is not None
    k = round_.judges_per_entry
    in_round = sorted(tuple(row) for row in session.execute(round_entries(round_.id)))
    counts = _entry_counts(session, round_.id)

    def lacks(entry_id: int) -> int:
        return max(0, k - counts.get(entry_id, (0, 0))[0])

    matching = in_round
    if q and q.strip():
        found = entries_matching(session, round_.challenge_id, q)
        matching = [(i, c) for i, c in matching if i in found]
    if short is not None:
        matching = [(i, c) for i, c in matching if (lacks(i) > 0) == short]
    after = decode_cursor(cursor) if cursor else 0
    following = [(i, c) for i, c in matching if i > after]
    page = following[:limit]
    next_cursor = encode_cursor(page[-1][0]) if len(following) > limit else None
    ids = [i for i, _ in page]
    labels = entry_labels(session, round_.challenge_id, ids)
    pairs: dict[int, list[AssignmentPublic]] = {i: [] for i in ids}
    for pair in assignments(session, round_.id, ids):
        pairs[pair.entry_id].append(pair)
    return EntryJudgesPage(
        items=[
            EntryJudges(
                entry_id=i,
                reference=labels[i].reference,
                title=labels[i].title or None,
                category=category,
                assigned=counts.get(i, (0, 0))[0],
                submitted=counts.get(i, (0, 0))[1],
                short=lacks(i),
                pairs=pairs[i],
            )
            for i, category in page
        ],
        next_cursor=next_cursor,
        total=len(in_round),
        matching=len(matching),
        lacking=sum(1 for i, _ in in_round if lacks(i) > 0),
        pairs=sum(n for n, _ in counts.values()),
    )


def round_progress(session: Session, ra: RoundAccess) -> RoundProgress:
    """Scorecards due, submitted and in draft in the round and per judge; per entry, a page
    at a time, in `entries_with_judges`."""
    ra.challenge_access.need_organiser()
    round_ = ra.round
    assert round_.id is not None
    by_judge = session.execute(
        sa_select(
            Judge,
            func.count(col(Assignment.id)),
            func.coalesce(func.sum(_submitted), 0),
            func.coalesce(func.sum(_draft), 0),
            func.max(col(Scorecard.updated_at)),
        )
        .join(Assignment, col(Assignment.judge_id) == col(Judge.id))
        .join(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id), isouter=True)
        .where(col(Assignment.round_id) == round_.id)
        .group_by(col(Judge.id))
        .order_by(col(Judge.display_name), col(Judge.id))
    ).all()
    judges = [
        JudgeProgress(
            judge_id=j.id,
            display_name=j.display_name,
            email=j.email,
            due=int(n),
            submitted=int(s),
            drafts=int(d),
            last_saved_at=last,
            reminded_at=j.reminded_at,
        )
        for j, n, s, d, last in by_judge
    ]
    return RoundProgress(
        round_id=round_.id,
        state=round_state(round_),
        due=sum(j.due for j in judges),
        submitted=sum(j.submitted for j in judges),
        drafts=sum(j.drafts for j in judges),
        judges=judges,
    )


def remind_judges(
    session: Session, settings: Settings, ra: RoundAccess, body: RemindIn
) -> Reminded:
    """Mail each chosen judge (default: every active judge with scorecards still due) how
    many are due and when the round closes (audited)."""
    actor = ra.challenge_access.need_organiser()
    round_ = ra.round
    if round_state(round_) == "closed":
        raise Conflict("The round has closed; there is nothing left to remind judges of.")
    progress = round_progress(session, ra)
    lagging = {j.judge_id: j for j in progress.judges if j.submitted < j.due}
    if body.judge_ids is not None:
        unknown = [i for i in body.judge_ids if i not in lagging]
        if unknown:
            raise Unprocessable(
                f"judge_ids: judge {unknown[0]} has no scorecards due in this round",
                field="judge_ids",
            )
        chosen = sorted(set(body.judge_ids))
    else:
        chosen = sorted(lagging)
    now = utcnow()
    sent: list[int] = []
    for judge_id in chosen:
        judge = session.get(Judge, judge_id)
        if judge is None or judge.status != JudgeStatus.active:
            continue
        user = session.get(User, judge.user_id) if judge.user_id else None
        item = lagging[judge_id]
        queue_mail(
            session,
            settings,
            template="judge_reminder",
            to_address=user.email if user else judge.email,
            user_id=user.id if user else None,
            challenge_id=ra.challenge.id,
            language=user.language if user else None,
            notice=Notice(
                title=f"{item.due - item.submitted} scorecard(s) due in {round_.name}",
                body=body.message.strip(),
                link="/judging.html",
            ),
            context={
                "name": judge.display_name,
                "challenge_title": ra.challenge.title,
                "round_name": round_.name,
                "due": item.due - item.submitted,
                "total": item.due,
                "closes_at": round_.closes_at.strftime("%Y-%m-%d %H:%M UTC")
                if round_.closes_at
                else None,
                "message": body.message.strip(),
                "link": f"{settings.base_url}/judging.html",
            },
        )
        judge.reminded_at = now
        session.add(judge)
        sent.append(judge_id)
    record(
        session,
        actor=actor,
        action="round.remind",
        object_type="round",
        object_id=round_.id,
        challenge_id=round_.challenge_id,
        after={"judge_ids": sent},
    )
    session.commit()
    return Reminded(sent=len(sent), judge_ids=sent)
