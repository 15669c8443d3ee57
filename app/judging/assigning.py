"""Putting assignment to work on a round: which entries it takes, running the algorithm
over the panel and the conflict register, and assigning or unassigning by hand (audited)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from app.audit.service import record
from app.core.db import in_parts, utcnow
from app.core.errors import Conflict, NotFound
from app.judging.assignment import EntrySpec, JudgeSpec, Shortfall, assign
from app.judging.rounds import RoundAccess, require_reason
from app.models import (
    Assignment,
    Eligibility,
    Entry,
    EntryStatus,
    Judge,
    JudgeStatus,
    Round,
    RoundEntry,
    Scorecard,
    ScorecardStatus,
    User,
)
from app.models import Conflict as ConflictOfInterest


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    required_tags: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="each entry gets at least one judge with each tag",
    )
    match_language: bool = Field(default=False, description="judges must read the entry's language")
    seed: int | None = Field(
        default=None, description="kept for the round; its last seed when omitted"
    )


class ManualAssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_id: int
    judge_id: int
    reason: str | None = Field(default=None, max_length=500)


class ShortfallPublic(BaseModel):
    entry_id: int
    missing: int
    reason: str
    missing_tags: list[str]


class AssignmentReport(BaseModel):
    entries: int
    judges: int
    pairs: int
    added: int
    removed: int
    loads: dict[int, int]
    shortfalls: list[ShortfallPublic]


class AssignmentPublic(BaseModel):
    id: int
    entry_id: int
    entry_reference: str | None
    judge_id: int
    judge_name: str
    source: str
    scorecard_status: str | None
    created_at: datetime


def sync_round_entries(session: Session, round_: Round) -> list[int]:
    """Round 1 takes the eligible entries; each later round those advanced from the one
    before. Entries that no longer qualify leave, unless a scorecard was submitted for them."""
    assert round_.id is not None
    wanted: set[int]
    if round_.position == 1:
        wanted = {
            i
            for i in session.exec(
                select(Entry.id).where(
                    Entry.challenge_id == round_.challenge_id,
                    Entry.status == EntryStatus.submitted,
                    Entry.eligibility == Eligibility.eligible,
                )
            ).all()
            if i is not None
        }
    else:
        previous = session.exec(
            select(Round).where(
                Round.challenge_id == round_.challenge_id, Round.position == round_.position - 1
            )
        ).one()
        wanted = set(
            session.exec(
                select(RoundEntry.entry_id).where(
                    RoundEntry.round_id == previous.id, col(RoundEntry.advanced).is_(True)
                )
            ).all()
        )
    current = {
        r.entry_id: r
        for r in session.exec(select(RoundEntry).where(RoundEntry.round_id == round_.id)).all()
    }
    scored = _scored_entries(session, round_.id)
    for entry_id in sorted(wanted - current.keys()):
        session.add(RoundEntry(round_id=round_.id, entry_id=entry_id))
    for entry_id, row in current.items():
        if entry_id not in wanted and entry_id not in scored:
            session.delete(row)
    session.flush()
    return sorted(wanted | (current.keys() & scored))


def _scored_entries(session: Session, round_id: int | None) -> set[int]:
    return set(
        session.exec(
            select(Assignment.entry_id)
            .join(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id))
            .where(Assignment.round_id == round_id, Scorecard.status == ScorecardStatus.submitted)
        ).all()
    )


def _locked_pairs(session: Session, round_id: int | None) -> set[tuple[int, int]]:
    """Pairs a re-run keeps whatever k says: a submitted scorecard, and a judge an organiser
    added to a flagged entry ("add a judge") while they sit on the panel."""
    scored = set(
        session.exec(
            select(Assignment.entry_id, Assignment.judge_id)
            .join(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id))
            .where(Assignment.round_id == round_id, Scorecard.status == ScorecardStatus.submitted)
        ).all()
    )
    extra = set(
        session.exec(
            select(Assignment.entry_id, Assignment.judge_id)
            .join(Judge, col(Judge.id) == col(Assignment.judge_id))
            .where(
                Assignment.round_id == round_id,
                Assignment.source == EXTRA,
                Judge.status == JudgeStatus.active,
            )
        ).all()
    )
    return scored | extra


def run_assignment(session: Session, ra: RoundAccess, body: AssignIn) -> AssignmentReport:
    """Assign every entry of the round k judges from the active panel, incrementally: pairs
    that still keep the rules stay, and a pair with a submitted scorecard is never dropped."""
    ra.challenge_access.need_organiser()
    round_ = ra.round
    round_.required_tags = sorted({t.strip().lower() for t in body.required_tags if t.strip()})
    round_.match_language = body.match_language
    if body.seed is not None:
        round_.assignment_seed = body.seed
    session.add(round_)
    return apply_assignment(session, round_, ra.challenge_access.user)


def apply_assignment(session: Session, round_: Round, actor: User | None) -> AssignmentReport:
    """Run the algorithm with the round's stored options and store the changes (the caller
    checked who may)."""
    entry_ids = sync_round_entries(session, round_)
    entries = [
        entry
        for part in in_parts(entry_ids)
        for entry in session.exec(select(Entry).where(col(Entry.id).in_(part))).all()
    ]
    judges = session.exec(
        select(Judge).where(
            Judge.challenge_id == round_.challenge_id, Judge.status == JudgeStatus.active
        )
    ).all()
    conflicts = set(
        session.exec(
            select(ConflictOfInterest.entry_id, ConflictOfInterest.judge_id).where(
                ConflictOfInterest.challenge_id == round_.challenge_id
            )
        ).all()
    )
    existing = set(
        session.exec(
            select(Assignment.entry_id, Assignment.judge_id).where(Assignment.round_id == round_.id)
        ).all()
    )
    plan = assign(
        [EntrySpec(id=e.id, language=e.language) for e in entries if e.id is not None],
        [
            JudgeSpec(
                id=j.id,
                tags=frozenset(j.tags),
                languages=frozenset(j.languages),
                max_load=j.max_load,
            )
            for j in judges
            if j.id is not None
        ],
        round_.judges_per_entry,
        conflicts=conflicts,
        existing=existing,
        locked=_locked_pairs(session, round_.id),
        required_tags=frozenset(round_.required_tags),
        match_language=round_.match_language,
        seed=round_.assignment_seed,
    )
    for entry_id, judge_id in sorted(plan.removed):
        session.execute(
            delete(Assignment).where(
                col(Assignment.round_id) == round_.id,
                col(Assignment.entry_id) == entry_id,
                col(Assignment.judge_id) == judge_id,
            )
        )
    assert round_.id is not None
    for entry_id, judge_id in sorted(plan.added):
        session.add(
            Assignment(round_id=round_.id, entry_id=entry_id, judge_id=judge_id, source="auto")
        )
    record(
        session,
        actor=actor,
        action="round.assign",
        object_type="round",
        object_id=round_.id,
        challenge_id=round_.challenge_id,
        after={
            "added": len(plan.added),
            "removed": len(plan.removed),
            "pairs": len(plan.pairs),
            "shortfalls": len(plan.shortfalls),
            "seed": round_.assignment_seed,
            "required_tags": round_.required_tags,
            "match_language": round_.match_language,
        },
    )
    session.commit()
    return AssignmentReport(
        entries=len(entries),
        judges=len(judges),
        pairs=len(plan.pairs),
        added=len(plan.added),
        removed=len(plan.removed),
        loads=plan.loads,
        shortfalls=[_shortfall(s) for s in plan.shortfalls],
    )


def _shortfall(s: Shortfall) -> ShortfallPublic:
    return ShortfallPublic(
        entry_id=s.entry_id, missing=s.missing, reason=s.reason, missing_tags=sorted(s.missing_tags)
    )


def assignments(
    session: Session, round_id: int, entry_ids: Collection[int] | None = None
) -> list[AssignmentPublic]:
    """The round's (entry, judge) pairs, or those of the given entries, by entry then judge.
    The entry's reference is read as a column: an Entry carries its answers (JSON)."""
    statement = (
        select(
            Assignment,
            col(Entry.reference),
            col(Judge.display_name),
            col(Scorecard.status),
        )
        .join(Entry, col(Entry.id) == col(Assignment.entry_id))
        .join(Judge, col(Judge.id) == col(Assignment.judge_id))
        .join(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id), isouter=True)
        .where(Assignment.round_id == round_id)
        .order_by(col(Assignment.entry_id), col(Assignment.judge_id))
    )
    if entry_ids is None:
        parts = [statement]
    else:
        parts = [
            statement.where(col(Assignment.entry_id).in_(part)) for part in in_parts(entry_ids)
        ]
    return [
        AssignmentPublic(
            id=a.id,
            entry_id=a.entry_id,
            entry_reference=reference,
            judge_id=a.judge_id,
            judge_name=judge_name,
            source=a.source,
            scorecard_status=status.value if status else None,
            created_at=a.created_at,
        )
        for part in parts
        for a, reference, judge_name, status in session.exec(part).all()
    ]


def assign_by_hand(session: Session, ra: RoundAccess, body: ManualAssignIn) -> Assignment:
    ra.challenge_access.need_organiser()
    round_ = ra.round
    judge = session.get(Judge, body.judge_id)
    if (
        judge is None
        or judge.challenge_id != round_.challenge_id
        or judge.status == JudgeStatus.withdrawn
    ):
        raise NotFound("No such judge on this panel.", field="judge_id")
    if body.entry_id not in sync_round_entries(session, round_):
        raise NotFound("This entry is not in the round.", field="entry_id")
    if session.exec(
        select(ConflictOfInterest.id).where(
            ConflictOfInterest.judge_id == judge.id, ConflictOfInterest.entry_id == body.entry_id
        )
    ).first():
        raise Conflict(
            "This judge has a conflict of interest with this entry.",
            field="judge_id",
            code="conflicted",
        )
    if session.exec(
        select(Assignment.id).where(
            Assignment.round_id == round_.id,
            Assignment.entry_id == body.entry_id,
            Assignment.judge_id == judge.id,
        )
    ).first():
        raise Conflict(
            "This judge is assigned to this entry already.", field="judge_id", code="assigned"
        )
    assert round_.id is not None and judge.id is not None
    assignment = Assignment(
        round_id=round_.id, entry_id=body.entry_id, judge_id=judge.id, source="manual"
    )
    session.add(assignment)
    session.flush()
    record(
        session,
        actor=ra.challenge_access.user,
        action="assignment.add",
        object_type="assignment",
        object_id=assignment.id,
        challenge_id=round_.challenge_id,
        after={"entry_id": body.entry_id, "judge_id": judge.id},
        reason=body.reason,
    )
    session.commit()
    return assignment


def unassign(session: Session, ra: RoundAccess, assignment: Assignment, reason: str | None) -> None:
    """Take a judge off an entry (audited; once the round has opened, with a reason)."""
    ra.challenge_access.need_organiser()
    require_reason(ra.round, reason)
    scorecard = session.exec(
        select(Scorecard).where(Scorecard.assignment_id == assignment.id)
    ).first()
    if scorecard is not None and scorecard.status == ScorecardStatus.submitted:
        raise Conflict(
            "This judge submitted a scorecard for the entry; it cannot be unassigned.",
            code="scored",
        )
    record(
        session,
        actor=ra.challenge_access.user,
        action="assignment.remove",
        object_type="assignment",
        object_id=assignment.id,
        challenge_id=ra.round.challenge_id,
        before={"entry_id": assignment.entry_id, "judge_id": assignment.judge_id},
        reason=reason,
    )
    session.delete(assignment)
    session.commit()


def release_withdrawn(session: Session, judge: Judge, actor: User | None) -> int:
    """A withdrawn judge leaves every round whose scoring is still open: their assignments
    without a submitted scorecard go (drafts with them) and the round gives those entries
    other judges; submitted scorecards stay and count. Returns the assignments removed."""
    rows = session.exec(
        select(Assignment, Round)
        .join(Round, col(Round.id) == col(Assignment.round_id))
        .where(Assignment.judge_id == judge.id)
    ).all()
    now = utcnow()
    touched: dict[int, Round] = {}
    removed = 0
    for assignment, round_ in rows:
        if round_.advanced_at is not None or (round_.closes_at and now >= round_.closes_at):
            continue
        scorecard = session.exec(
            select(Scorecard).where(Scorecard.assignment_id == assignment.id)
        ).first()
        if scorecard is not None and scorecard.status == ScorecardStatus.submitted:
            continue
        record(
            session,
            actor=actor,
            action="assignment.remove",
            object_type="assignment",
            object_id=assignment.id,
            challenge_id=round_.challenge_id,
            before={"entry_id": assignment.entry_id, "judge_id": assignment.judge_id},
            reason="judge withdrawn",
        )
        if scorecard is not None:
            session.delete(scorecard)
            session.flush()
        session.delete(assignment)
        removed += 1
        if round_.id is not None:
            touched[round_.id] = round_
    session.flush()
    for round_ in touched.values():
        apply_assignment(session, round_, actor)
    return removed


def drop_conflicted(
    session: Session, challenge_id: int, pairs: set[tuple[int, int]], actor: User | None
) -> int:
    """Take each (judge, entry) pair of a new conflict out of every round of the challenge,
    scorecard and all (a conflicted judge's score never counts), then let each round whose
    scoring is still open give the entry another judge. Returns the assignments removed."""
    if not pairs:
        return 0
    judge_ids = {j for j, _ in pairs}
    rows = session.exec(
        select(Assignment, Round)
        .join(Round, col(Round.id) == col(Assignment.round_id))
        .where(Round.challenge_id == challenge_id, col(Assignment.judge_id).in_(judge_ids))
    ).all()
    touched: dict[int, Round] = {}
    removed = 0
    for assignment, round_ in rows:
        if (assignment.judge_id, assignment.entry_id) not in pairs:
            continue
        scorecard = session.exec(
            select(Scorecard).where(Scorecard.assignment_id == assignment.id)
        ).first()
        record(
            session,
            actor=actor,
            action="assignment.remove",
            object_type="assignment",
            object_id=assignment.id,
            challenge_id=challenge_id,
            before={
                "entry_id": assignment.entry_id,
                "judge_id": assignment.judge_id,
                "scorecard": scorecard.status.value if scorecard else None,
            },
            reason="conflict of interest",
        )
        if scorecard is not None:
            session.delete(scorecard)
            session.flush()  # the scorecard first: the database would cascade it otherwise
        session.delete(assignment)
        removed += 1
        if round_.id is not None:
            touched[round_.id] = round_
    session.flush()
    now = utcnow()
    for round_ in touched.values():
        if round_.advanced_at is None and (round_.closes_at is None or now < round_.closes_at):
            apply_assignment(session, round_, actor)
    return removed


EXTRA = "extra"  # the source of a judge added to a flagged entry beyond k


def add_extra_judge(session: Session, ra: RoundAccess, entry_id: int) -> Assignment:
    """One more judge for an entry whose judges disagree: the active judge with the lightest
    load in the round who is not conflicted, not on the entry already, under their cap, and
    (when the round matches languages) reads the entry's language; ties go to the lower id.
    The pair stays through later re-runs of the assignment (audited)."""
    ra.challenge_access.need_organiser()
    round_ = ra.round
    assert round_.id is not None
    if entry_id not in sync_round_entries(session, round_):
        raise NotFound("This entry is not in the round.", field="entry_id")
    entry = session.get(Entry, entry_id)
    assert entry is not None
    on_entry = set(
        session.exec(
            select(Assignment.judge_id).where(
                Assignment.round_id == round_.id, Assignment.entry_id == entry_id
            )
        ).all()
    )
    conflicted = set(
        session.exec(
            select(ConflictOfInterest.judge_id).where(ConflictOfInterest.entry_id == entry_id)
        ).all()
    )
    loads = dict(
        session.exec(
            select(Assignment.judge_id, func.count())
            .where(Assignment.round_id == round_.id)
            .group_by(col(Assignment.judge_id))
        ).all()
    )
    judges = session.exec(
        select(Judge)
        .where(Judge.challenge_id == round_.challenge_id, Judge.status == JudgeStatus.active)
        .order_by(col(Judge.id))
    ).all()
    reasons = {"assigned": 0, "conflicted": 0, "full": 0, "language": 0}
    candidates: list[Judge] = []
    for judge in judges:
        load = loads.get(judge.id or 0, 0)
        if judge.id in on_entry:
            reasons["assigned"] += 1
        elif judge.id in conflicted:
            reasons["conflicted"] += 1
        elif judge.max_load is not None and load >= judge.max_load:
            reasons["full"] += 1
        elif round_.match_language and entry.language and entry.language not in judge.languages:
            reasons["language"] += 1
        else:
            candidates.append(judge)
    if not candidates:
        why = ", ".join(f"{n} {what}" for what, n in reasons.items() if n) or "no active judges"
        raise Conflict(
            f"No judge can take this entry ({why}). Invite another judge to the panel.",
            code="no_judge_free",
        )
    judge = min(candidates, key=lambda j: (loads.get(j.id or 0, 0), j.id or 0))
    assert judge.id is not None
    assignment = Assignment(round_id=round_.id, entry_id=entry_id, judge_id=judge.id, source=EXTRA)
    session.add(assignment)
    session.flush()
    record(
        session,
        actor=ra.challenge_access.user,
        action="assignment.add_judge",
        object_type="assignment",
        object_id=assignment.id,
        challenge_id=round_.challenge_id,
        after={"entry_id": entry_id, "judge_id": judge.id},
        reason="judges disagree on this entry",
    )
    session.commit()
    return assignment


def load_assignment(session: Session, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("No such assignment.")
    return assignment
