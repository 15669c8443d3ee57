"""What a judge does with their own assignments: list them, and declare a conflict of
interest, after which the entry is taken from them and reassigned at once."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit.service import record
from app.core.errors import Conflict, NotAuthenticated, NotFound
from app.judging.assigning import apply_assignment
from app.judging.rounds import round_state
from app.judging.scorecards import lock_reason
from app.models import (
    Assignment,
    Challenge,
    ConflictSource,
    Entry,
    Judge,
    JudgeStatus,
    Round,
    Scorecard,
    ScorecardStatus,
    User,
)
from app.models import Conflict as ConflictOfInterest


class MyAssignment(BaseModel):
    id: int
    challenge_slug: str
    challenge_title: str
    round_id: int
    round_name: str
    entry_reference: str | None
    entry_category: str | None
    scorecard_status: str | None
    round_opens_at: datetime | None
    round_closes_at: datetime | None
    round_state: str = Field(description="upcoming, open or closed")
    blind: bool
    editable: bool = Field(description="whether I may save the scorecard now")


class DeclareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=3, max_length=500, description="e.g. I supervised the team's leader"
    )


class Declared(BaseModel):
    conflict_id: int
    reassigned: bool = Field(description="whether another judge took the entry")


def my_assignments(session: Session, user: User) -> list[MyAssignment]:
    """The caller's assignments on every panel they sit on (never a conflicted entry:
    declaring or recording a conflict removes the assignment)."""
    rows = session.execute(
        sa_select(Assignment, Round, Challenge, Entry, Scorecard)
        .join(Judge, col(Judge.id) == col(Assignment.judge_id))
        .join(Round, col(Round.id) == col(Assignment.round_id))
        .join(Challenge, col(Challenge.id) == col(Round.challenge_id))
        .join(Entry, col(Entry.id) == col(Assignment.entry_id))
        .join(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id), isouter=True)
        .where(col(Judge.user_id) == user.id, col(Judge.status) == JudgeStatus.active)
        .order_by(col(Round.id), col(Assignment.id))
    ).all()
    return [
        MyAssignment(
            id=a.id,
            challenge_slug=c.slug,
            challenge_title=c.title,
            round_id=r.id,
            round_name=r.name,
            entry_reference=e.reference,
            entry_category=e.category,
            scorecard_status=s.status.value if s else None,
            round_opens_at=r.opens_at,
            round_closes_at=r.closes_at,
            round_state=round_state(r),
            blind=r.blind,
            editable=lock_reason(r, s) is None,
        )
        for a, r, c, e, s in rows
    ]


def _own_assignment(
    session: Session, user: User | None, assignment_id: int
) -> tuple[Assignment, Judge]:
    if user is None:
        raise NotAuthenticated()
    assignment = session.get(Assignment, assignment_id)
    judge = session.get(Judge, assignment.judge_id) if assignment else None
    if assignment is None or judge is None or judge.user_id != user.id:
        raise NotFound("No such assignment.")  # someone else's assignment does not exist for you
    return assignment, judge


def declare_conflict(session: Session, user: User, assignment_id: int, body: DeclareIn) -> Declared:
    """Record the judge's declared conflict, take the entry from them and reassign it."""
    assignment, judge = _own_assignment(session, user, assignment_id)
    scorecard = session.exec(
        select(Scorecard).where(Scorecard.assignment_id == assignment.id)
    ).first()
    if scorecard is not None and scorecard.status == ScorecardStatus.submitted:
        raise Conflict(
            "Your scorecard for this entry is submitted; ask the organisers to reopen it first.",
            code="scored",
        )
    round_ = session.get(Round, assignment.round_id)
    assert round_ is not None and judge.id is not None
    conflict = ConflictOfInterest(
        challenge_id=judge.challenge_id,
        judge_id=judge.id,
        entry_id=assignment.entry_id,
        source=ConflictSource.declared,
        reason=body.reason,
        created_by_id=user.id,
    )
    session.add(conflict)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("This conflict is recorded already.", code="conflict_exists") from None
    record(
        session,
        actor=user,
        action="conflict.declare",
        object_type="conflict",
        object_id=conflict.id,
        challenge_id=judge.challenge_id,
        after={"judge_id": judge.id, "entry_id": assignment.entry_id},
        reason=body.reason,
    )
    entry_id = assignment.entry_id
    if scorecard is not None:
        session.delete(scorecard)  # a draft scored under a conflict is not kept
    session.delete(assignment)
    session.flush()
    report = apply_assignment(session, round_, user)
    assert conflict.id is not None
    return Declared(
        conflict_id=conflict.id, reassigned=all(s.entry_id != entry_id for s in report.shortfalls)
    )
