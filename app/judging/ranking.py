"""A round's ranking as organisers see it, and advancement: who leaves the round for the next
under its declared rule, ties settled by its declared tie-breaks, manual overrides with a
reason, then applied (audited) and told to the entrants.

Every number comes from `scoring.round_scores` (the one source); this module only orders,
cuts and converts to the shown scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, or_, select

from app.audit.service import record
from app.core.collector import collector_paused
from app.core.config import Settings
from app.core.db import IN_LIST_SIZE, in_parts, utcnow
from app.core.errors import Conflict, Unprocessable
from app.core.pagination import MAX_LIMIT, page_of
from app.judging.rounds import RoundAccess, frozen, round_state
from app.judging.scoring import EntryScore, RoundScores, from_shown, round_scores
from app.mail.outbox import Notice, queue_mail
from app.models import (
    Assignment,
    Criterion,
    Entry,
    Judge,
    Round,
    RoundEntry,
    Scorecard,
    ScorecardStatus,
    User,
)

# --- The ranking ------------------------------------------------------------------------------


class Scale(BaseModel):
    min: float
    max: float


class IccPublic(BaseModel):
    value: float | None
    a: int
    n: int
    k0: float


class CriterionRef(BaseModel):
    id: int
    name: str
    weight: float
    scale_min: float
    scale_max: float


class CriterionStats(BaseModel):
    criterion_id: int
    n: int
    mean: float | None
    sd: float | None


class RankedEntry(BaseModel):
    position: int
    entry_id: int
    reference: str | None
    title: str | None
    category: str | None
    n: int
    mean: float | None
    sd: float | None
    min: float | None
    max: float | None
    normalised: float | None
    score: float | None = Field(description="what the round ranks by, on the shown scale")
    spread: float | None
    disagreement: bool
    criteria: list[CriterionStats]
    advanced: bool | None


class RankedJudge(BaseModel):
    judge_id: int
    display_name: str
    n: int
    mean: float | None
    sd: float | None
    min: float | None
    max: float | None
    normalised: bool


class Ranking(BaseModel):
    round_id: int
    normalise: bool
    scale: Scale | None = Field(description="the shown scale; null when scores are out of 100")
    n: int
    mean: float | None
    sd: float | None
    disagreement_share: float
    icc: IccPublic | None
    criteria: list[CriterionRef]
    total: int = Field(description="entries in the round")
    scored: int = Field(description="entries with at least one submitted scorecard")
    decided: int = Field(description="entries an applied advancement decided")
    advanced: int = Field(description="entries an applied advancement advanced")
    matching: int = Field(description="entries the filters match (`total` without filters)")
    entries: list[RankedEntry] = Field(description="this page of the matching entries, in order")
    next_cursor: str | None = Field(description="the cursor of the next page; null on the last")
    judges: list[RankedJudge]


def _width(scores: RoundScores) -> float:
    """How a 0–1 distance is stretched on the shown scale (for SDs and spreads)."""
    if scores.shared_scale is None:
        return 100.0
    low, high = scores.shared_scale
    return high - low


def _scaled(value: float | None, width: float) -> float | None:
    return None if value is None else value * width


@dataclass(frozen=True)
class EntryLabel:
    """What a ranking shows of an entry besides its numbers."""

    reference: str | None
    title: str
    category: str | None


def entry_labels(session: Session, challenge_id: int, ids: Iterable[int]) -> dict[int, EntryLabel]:
    """Each entry's reference, title and category, read as columns: a ranking lists every
    entry of a round, and building 100,000 whole Entry objects took 10 s of its 40 s. More
    ids than one IN list holds are read as the call's entries, one indexed scan without
    parameters (0.4 s at 100,000 entries, against 2.4 s in lists of 10,000)."""
    wanted = set(ids)
    columns = sa_select(col(Entry.id), col(Entry.reference), col(Entry.title), col(Entry.category))
    if len(wanted) > IN_LIST_SIZE:
        parts = [columns.where(col(Entry.challenge_id) == challenge_id)]
    else:
        parts = [columns.where(col(Entry.id).in_(part)) for part in in_parts(wanted)]
    return {
        entry_id: EntryLabel(reference, title, category)
        for statement in parts
        for entry_id, reference, title, category in session.execute(statement).all()
        if entry_id in wanted
    }


def _entries_by_id(session: Session, ids: list[int]) -> dict[int, Entry]:
    return {
        e.id: e
        for part in in_parts(ids)
        for e in session.exec(select(Entry).where(col(Entry.id).in_(part))).all()
        if e.id
    }


@dataclass(frozen=True)
class RankingFilter:
    """Which of the round's entries a ranking page lists; positions stay the round's own."""

    q: str | None = None
    disagreement: bool | None = None
    advanced: bool | None = None


def entries_matching(session: Session, challenge_id: int, q: str) -> set[int]:
    """The call's entries whose reference or title holds `q` (any case)."""
    pattern = f"%{q.strip()}%"
    found = session.exec(
        select(Entry.id).where(
            Entry.challenge_id == challenge_id,
            or_(col(Entry.reference).ilike(pattern), col(Entry.title).ilike(pattern)),
        )
    ).all()
    return {entry_id for entry_id in found if entry_id is not None}


@collector_paused()
def ranking(
    session: Session,
    ra: RoundAccess,
    *,
    limit: int = MAX_LIMIT,
    cursor: str | None = None,
    where: RankingFilter = RankingFilter(),
) -> Ranking:
    """The round's entries in ranking order (ties settled by the declared tie-breaks) with
    raw and normalised scores, disagreement flags, per-criterion statistics, the ICC and
    each judge's statistics (organisers). The order is computed whole (every number depends
    on every scorecard); the entries come a page at a time, filtered by reference or title,
    disagreement or the applied decision, so a round of 100,000 entries is not one answer
    of 50 MB."""
    ra.challenge_access.need_organiser()
    round_ = ra.round
    assert round_.id is not None
    scores = round_scores(session, round_.id, with_criteria=True)
    # The same order advancement uses: equal scores settled by the declared tie-breaks.
    ordered = list(
        enumerate((p.score for p in order_by_score(scores, declared_tie_breaks(round_), [])), 1)
    )
    width = _width(scores)
    advanced: dict[int, bool | None] = dict(
        session.exec(
            select(RoundEntry.entry_id, RoundEntry.advanced).where(RoundEntry.round_id == round_.id)
        ).all()
    )
    matching = ordered
    if where.q and where.q.strip():
        found = entries_matching(session, round_.challenge_id, where.q)
        matching = [(i, e) for i, e in matching if e.entry_id in found]
    if where.disagreement is not None:
        matching = [(i, e) for i, e in matching if e.disagreement == where.disagreement]
    if where.advanced is not None:
        matching = [(i, e) for i, e in matching if advanced.get(e.entry_id) is where.advanced]
    page, next_cursor = page_of(matching, limit, cursor)
    entries = entry_labels(session, round_.challenge_id, [e.entry_id for _, e in page])
    criteria = session.exec(
        select(Criterion)
        .where(Criterion.round_id == round_.id)
        .order_by(col(Criterion.position), col(Criterion.id))
    ).all()
    names = dict(
        session.exec(
            select(Judge.id, Judge.display_name).where(Judge.challenge_id == round_.challenge_id)
        ).all()
    )
    return Ranking(
        round_id=round_.id,
        normalise=scores.normalise,
        scale=Scale(min=scores.shared_scale[0], max=scores.shared_scale[1])
        if scores.shared_scale
        else None,
        n=scores.n,
        mean=scores.shown(scores.mean),
        sd=_scaled(scores.sd, width),
        disagreement_share=scores.disagreement_share,
        icc=IccPublic(value=scores.icc.value, a=scores.icc.a, n=scores.icc.n, k0=scores.icc.k0)
        if scores.icc
        else None,
        criteria=[
            CriterionRef(
                id=c.id, name=c.name, weight=c.weight, scale_min=c.scale_min, scale_max=c.scale_max
            )
            for c in criteria
            if c.id is not None
        ],
        total=len(ordered),
        scored=sum(1 for _, e in ordered if e.n > 0),
        decided=sum(1 for _, e in ordered if advanced.get(e.entry_id) is not None),
        advanced=sum(1 for _, e in ordered if advanced.get(e.entry_id) is True),
        matching=len(matching),
        entries=[
            RankedEntry(
                position=position,
                entry_id=e.entry_id,
                reference=entries[e.entry_id].reference,
                title=entries[e.entry_id].title or None,
                category=e.category,
                n=e.n,
                mean=scores.shown(e.mean),
                sd=_scaled(e.sd, width),
                min=scores.shown(e.min),
                max=scores.shown(e.max),
                normalised=scores.shown(e.normalised),
                score=scores.shown(e.score),
                spread=_scaled(e.spread, width),
                disagreement=e.disagreement,
                criteria=[
                    CriterionStats(criterion_id=cid, n=s.n, mean=s.mean, sd=s.sd)
                    for cid, s in sorted(e.criteria.items())
                ],
                advanced=advanced.get(e.entry_id),
            )
            for position, e in page
        ],
        next_cursor=next_cursor,
        judges=[
            RankedJudge(
                judge_id=j.judge_id,
                display_name=names.get(j.judge_id, ""),
                n=j.n,
                mean=scores.shown(j.mean),
                sd=_scaled(j.sd, width),
                min=scores.shown(j.min),
                max=scores.shown(j.max),
                normalised=j.normalised,
            )
            for j in scores.judges
        ],
    )


# --- Advancement ------------------------------------------------------------------------------

TieKind = Literal["criterion", "scorecards", "organiser"]


class Override(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_id: int
    advanced: bool
    reason: str | None = Field(
        default=None,
        max_length=500,
        description="why the rule is set aside (required unless the rule is manual)",
    )


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tie_order: list[int] = Field(
        default_factory=list,
        max_length=1000,
        description="the organiser's recorded choice for ties: entry ids, best first",
    )
    overrides: list[Override] = Field(default_factory=list, max_length=1000)
    notify: bool = Field(default=True, description="tell the entrants (apply only)")
    release_feedback: bool = Field(
        default=False, description="let entrants read the judges' feedback (apply only)"
    )


class Tie(BaseModel):
    with_: list[int] = Field(alias="with", serialization_alias="with")
    resolved_by: TieKind | None

    model_config = ConfigDict(populate_by_name=True)


class AdvancementEntry(BaseModel):
    entry_id: int
    reference: str | None
    title: str | None
    category: str | None
    position: int
    score: float | None
    n: int
    advances: bool
    by_rule: bool
    override_reason: str | None
    tie: Tie | None


class Advancement(BaseModel):
    rule: dict[str, Any]
    tie_breaks: list[dict[str, Any]]
    applied_at: datetime | None
    advancing: int
    total: int = Field(description="entries in the round")
    differs_from_applied: int = Field(
        description="entries this preview decides otherwise than the applied decision did"
    )
    feedback_released: bool
    entries: list[AdvancementEntry] = Field(description="this page of the round, in order")
    next_cursor: str | None = Field(description="the cursor of the next page; null on the last")
    unresolved_ties: list[list[int]] = Field(
        description="ties at the cut the declared tie-breaks leave open: give `tie_order`"
    )
    tied: list[AdvancementEntry] = Field(
        description="the entries of `unresolved_ties`, whatever page they fall on"
    )


@dataclass
class Placed:
    score: EntryScore
    keys: tuple[float, ...]
    tie_with: list[int]
    resolved_by: TieKind | None = None


def declared_tie_breaks(round_: Round) -> list[dict[str, Any]]:
    """The declared order, with the organiser's recorded choice as the last resort: a tie at
    the cut must be settled by someone, and it is never settled silently."""
    declared = list(round_.tie_breaks)
    if not any(t.get("kind") == "organiser" for t in declared):
        declared.append({"kind": "organiser"})
    return declared


def _same(a: float | None, b: float | None) -> bool:
    """Scores equal to 1e-9 of the 0–1 scale count as tied (means of the same values may
    differ in their last bit by the order they were summed in)."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9


def order_by_score(
    scores: RoundScores, tie_breaks: list[dict[str, Any]], tie_order: list[int]
) -> list[Placed]:
    """Entries by score, each group of equal scores ordered by the tie-breaks in turn.
    `keys` holds each tie-break's value (bigger is better) so neighbours that differ
    nowhere are still tied."""
    choice = {entry_id: i for i, entry_id in enumerate(tie_order)}
    missing = float("-inf")

    def key(e: EntryScore) -> tuple[float, ...]:
        values: list[float] = []
        for tb in tie_breaks:
            if tb["kind"] == "criterion":
                stats = e.criteria.get(tb.get("criterion_id") or 0)
                values.append(stats.mean if stats and stats.mean is not None else missing)
            elif tb["kind"] == "scorecards":
                values.append(float(e.n))
            else:
                values.append(-choice[e.entry_id] if e.entry_id in choice else missing)
        return tuple(values)

    ordered = sorted(scores.entries, key=lambda e: (e.score is None, -(e.score or 0.0), e.entry_id))
    groups: list[list[EntryScore]] = []
    for e in ordered:
        if groups and e.score is not None and _same(groups[-1][0].score, e.score):
            groups[-1].append(e)
        else:
            groups.append([e])
    placed: list[Placed] = []
    for group in groups:
        if len(group) == 1:
            placed.append(Placed(group[0], key(group[0]), []))
            continue
        members = sorted(group, key=lambda e: (*(-v for v in key(e)), e.entry_id))
        ids = [e.entry_id for e in members]
        rows = [Placed(e, key(e), [i for i in ids if i != e.entry_id]) for e in members]
        for i, row in enumerate(rows):
            row.resolved_by = _resolved_by(row, rows[i - 1 : i] + rows[i + 1 : i + 2], tie_breaks)
        placed.extend(rows)
    return placed


def _resolved_by(
    row: Placed, neighbours: list[Placed], tie_breaks: list[dict[str, Any]]
) -> TieKind | None:
    """The tie-break that set the entry apart from the tied entries beside it (the deepest
    one either side needed), or None when one of them is equal on every tie-break."""
    depth = -1
    for other in neighbours:
        first = next(
            (d for d, (a, b) in enumerate(zip(row.keys, other.keys, strict=True)) if a != b), None
        )
        if first is None:
            return None
        depth = max(depth, first)
    kind: TieKind = tie_breaks[depth]["kind"]
    return kind


def _by_rule(
    round_: Round, scores: RoundScores, placed: list[Placed]
) -> tuple[set[int], list[list[int]]]:
    """Who advances under the rule, and the ties at a cut the tie-breaks leave open."""
    rule = round_.advancement or {"kind": "manual"}
    kind = rule.get("kind", "manual")
    scored = [p for p in placed if p.score.score is not None]
    if kind == "manual":
        return set(), []
    if kind == "threshold":
        bar = from_shown(float(rule["threshold"]), scores.shared_scale)
        return {
            p.score.entry_id
            for p in scored
            if p.score.score is not None and (p.score.score >= bar or _same(p.score.score, bar))
        }, []
    n = int(rule.get("n") or 0)
    if kind == "top_n_per_category":
        pools: dict[str | None, list[Placed]] = {}
        for p in scored:
            pools.setdefault(p.score.category, []).append(p)
    else:
        pools = {None: scored}
    chosen: set[int] = set()
    unresolved: list[list[int]] = []
    for pool in pools.values():
        chosen.update(p.score.entry_id for p in pool[:n])
        if 0 < n < len(pool):
            inside, outside = pool[n - 1], pool[n]
            if inside.keys == outside.keys and _same(inside.score.score, outside.score.score):
                group = [
                    p.score.entry_id
                    for p in pool
                    if p.keys == inside.keys and _same(p.score.score, inside.score.score)
                ]
                unresolved.append(group)
    return chosen, unresolved


def _check_overrides(round_: Round, body: AdvanceIn, in_round: set[int]) -> dict[int, Override]:
    manual = (round_.advancement or {}).get("kind", "manual") == "manual"
    problems: list[dict[str, Any]] = []
    overrides: dict[int, Override] = {}
    for i, o in enumerate(body.overrides):
        if o.entry_id not in in_round:
            problems.append({"field": f"overrides.{i}.entry_id", "message": "is not in this round"})
        elif o.entry_id in overrides:
            problems.append({"field": f"overrides.{i}.entry_id", "message": "is given twice"})
        elif not manual and (o.reason is None or len(o.reason.strip()) < 3):
            problems.append(
                {
                    "field": f"overrides.{i}.reason",
                    "message": "say why the rule is set aside for this entry (3 characters or more)",
                }
            )
        else:
            overrides[o.entry_id] = o
    for i, entry_id in enumerate(body.tie_order):
        if entry_id not in in_round:
            problems.append({"field": f"tie_order.{i}", "message": "is not in this round"})
    if len(set(body.tie_order)) != len(body.tie_order):
        problems.append({"field": "tie_order", "message": "names an entry twice"})
    if problems:
        raise Unprocessable(problems[0]["message"], field=problems[0]["field"], details=problems)
    return overrides


def _applied(session: Session, round_: Round) -> AdvanceIn:
    """The overrides and tie order an applied decision recorded, so a preview given none
    shows the decision as it stands."""
    rows = session.exec(
        select(RoundEntry)
        .where(RoundEntry.round_id == round_.id, col(RoundEntry.decided_at).is_not(None))
        .order_by(col(RoundEntry.rank))
    ).all()
    manual = (round_.advancement or {}).get("kind", "manual") == "manual"
    return AdvanceIn(
        tie_order=[r.entry_id for r in rows if r.tie_resolved_by == "organiser"],
        overrides=[
            Override(entry_id=r.entry_id, advanced=bool(r.advanced), reason=r.override_reason)
            for r in rows
            if r.override_reason is not None or (manual and r.advanced)
        ],
    )


@collector_paused()
def advancement(
    session: Session,
    ra: RoundAccess,
    body: AdvanceIn,
    *,
    limit: int | None = MAX_LIMIT,
    cursor: str | None = None,
) -> Advancement:
    """Who advances under the declared rule, with ties and how they were resolved, and the
    organiser's overrides laid over it. Changes nothing. Once applied, a preview given no
    overrides or tie order shows the decision as recorded. The entries come a page at a
    time (`limit` None: all of them, for applying); the counts cover the whole round."""
    ra.challenge_access.need_organiser()
    round_ = ra.round
    assert round_.id is not None
    if round_.advanced_at is not None and not body.overrides and not body.tie_order:
        body = _applied(session, round_)
    scores = round_scores(session, round_.id, with_criteria=True)
    tie_breaks = declared_tie_breaks(round_)
    placed = list(enumerate(order_by_score(scores, tie_breaks, body.tie_order), start=1))
    overrides = _check_overrides(round_, body, {p.score.entry_id for _, p in placed})
    chosen, unresolved = _by_rule(round_, scores, [p for _, p in placed])
    # A tie the organiser settled by overriding every entry in it is no longer open.
    open_ties = [g for g in unresolved if not all(e in overrides for e in g)]

    def advances(entry_id: int) -> bool:
        override = overrides.get(entry_id)
        return override.advanced if override else entry_id in chosen

    if limit is None:
        page, next_cursor = placed, None
    else:
        page, next_cursor = page_of(placed, limit, cursor)
    in_ties = {entry_id for group in open_ties for entry_id in group}
    tied = [(position, p) for position, p in placed if p.score.entry_id in in_ties]
    labels = entry_labels(session, round_.challenge_id, [p.score.entry_id for _, p in page + tied])

    def row(position: int, p: Placed) -> AdvancementEntry:
        entry_id = p.score.entry_id
        override = overrides.get(entry_id)
        return AdvancementEntry(
            entry_id=entry_id,
            reference=labels[entry_id].reference,
            title=labels[entry_id].title or None,
            category=p.score.category,
            position=position,
            score=scores.shown(p.score.score),
            n=p.score.n,
            advances=advances(entry_id),
            by_rule=entry_id in chosen,
            override_reason=override.reason if override else None,
            tie=Tie(with_=p.tie_with, resolved_by=p.resolved_by) if p.tie_with else None,
        )

    recorded: dict[int, bool | None] = {}
    if round_.advanced_at is not None:
        recorded = dict(
            session.exec(
                select(RoundEntry.entry_id, RoundEntry.advanced).where(
                    RoundEntry.round_id == round_.id, col(RoundEntry.decided_at).is_not(None)
                )
            ).all()
        )
    return Advancement(
        rule=round_.advancement,
        tie_breaks=round_.tie_breaks,
        applied_at=round_.advanced_at,
        advancing=sum(1 for _, p in placed if advances(p.score.entry_id)),
        total=len(placed),
        differs_from_applied=sum(
            1
            for _, p in placed
            if recorded.get(p.score.entry_id) not in (None, advances(p.score.entry_id))
        ),
        feedback_released=round_.feedback_released,
        entries=[row(position, p) for position, p in page],
        next_cursor=next_cursor,
        unresolved_ties=open_ties,
        tied=[row(position, p) for position, p in tied],
    )


def _outstanding(session: Session, round_id: int) -> int:
    return len(
        session.exec(
            select(Assignment.id)
            .join(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id), isouter=True)
            .where(
                Assignment.round_id == round_id,
                (col(Scorecard.id).is_(None)) | (Scorecard.status != ScorecardStatus.submitted),
            )
        ).all()
    )


@collector_paused()
def apply_advancement(
    session: Session,
    settings: Settings,
    ra: RoundAccess,
    body: AdvanceIn,
    *,
    limit: int = MAX_LIMIT,
) -> Advancement:
    """Record who advances (audited), lock the round's scorecards, and tell the entrants by
    mail when asked, with the judges' feedback when the organiser releases it."""
    actor = ra.challenge_access.need_organiser()
    round_ = ra.round
    assert round_.id is not None
    state = round_state(round_)
    if state == "upcoming":
        raise Conflict("The round has not opened yet; there is nothing to decide.")
    outstanding = _outstanding(session, round_.id)
    if state == "open" and outstanding:
        raise Conflict(
            f"{outstanding} scorecard{'s are' if outstanding != 1 else ' is'} still due and the "
            "round is open; wait for them or close the round first.",
            code="scorecards_due",
        )
    following = session.exec(
        select(Round).where(
            Round.challenge_id == round_.challenge_id, Round.position == round_.position + 1
        )
    ).first()
    if following is not None and frozen(following):
        raise Conflict(
            f"{following.name} has opened with the entries this round advanced; "
            "its decisions can no longer change.",
            code="next_round_open",
        )
    preview = advancement(session, ra, body, limit=None)
    if preview.unresolved_ties:
        raise Conflict(
            "Entries are tied at the cut and the declared tie-breaks do not separate them: "
            "put them in order (tie_order) or decide each by hand.",
            field="tie_order",
            code="unresolved_tie",
        )
    now = utcnow()
    rows = {
        r.entry_id: r
        for r in session.exec(select(RoundEntry).where(RoundEntry.round_id == round_.id)).all()
    }
    scores = {e.entry_id: e for e in round_scores(session, round_.id).entries}
    for item in preview.entries:
        row = rows.get(item.entry_id) or RoundEntry(round_id=round_.id, entry_id=item.entry_id)
        row.advanced = item.advances
        row.rank = item.position
        row.score = scores[item.entry_id].score if item.entry_id in scores else None
        row.tie_resolved_by = item.tie.resolved_by if item.tie else None
        row.override_reason = item.override_reason
        row.decided_at = now
        session.add(row)
    round_.advanced_at = now
    round_.feedback_released = body.release_feedback
    session.add(round_)
    record(
        session,
        actor=actor,
        action="round.advance",
        object_type="round",
        object_id=round_.id,
        challenge_id=round_.challenge_id,
        after={
            "rule": round_.advancement,
            "advanced": sorted(e.entry_id for e in preview.entries if e.advances),
            "overrides": [o.model_dump() for o in body.overrides],
            "tie_order": body.tie_order,
            "release_feedback": body.release_feedback,
            "notify": body.notify,
        },
    )
    if body.notify:
        _tell_entrants(session, settings, round_, ra, preview)
    session.commit()
    session.refresh(round_)
    entries, next_cursor = page_of(preview.entries, limit, None)
    return preview.model_copy(
        update={
            "applied_at": round_.advanced_at,
            "feedback_released": round_.feedback_released,
            "differs_from_applied": 0,
            "entries": entries,
            "next_cursor": next_cursor,
        }
    )


def released_feedback(session: Session, round_: Round, entry_id: int) -> list[str]:
    """The judges' feedback to the entrant, when the round released it (no names)."""
    if not round_.feedback_released:
        return []
    texts = session.exec(
        select(Scorecard.feedback)
        .join(Assignment, col(Assignment.id) == col(Scorecard.assignment_id))
        .where(
            Assignment.round_id == round_.id,
            Assignment.entry_id == entry_id,
            Scorecard.status == ScorecardStatus.submitted,
        )
        .order_by(col(Scorecard.id))
    ).all()
    return [t.strip() for t in texts if t and t.strip()]


def _tell_entrants(
    session: Session, settings: Settings, round_: Round, ra: RoundAccess, preview: Advancement
) -> None:
    entries = _entries_by_id(session, [e.entry_id for e in preview.entries])
    for item in preview.entries:
        entry = entries[item.entry_id]
        owner = session.get(User, entry.owner_id) if entry.owner_id else None
        if owner is None:
            continue  # taken offline: the organisers tell them through the channel it came by
        queue_mail(
            session,
            settings,
            template="round_outcome",
            to_address=owner.email,
            user_id=owner.id,
            challenge_id=ra.challenge.id,
            language=owner.language,
            notice=Notice(
                title=f"Entry {entry.reference} "
                + ("advanced" if item.advances else "did not advance")
                + f" from {round_.name}",
                link=f"/entry.html?id={entry.id}",
            ),
            context={
                "name": owner.display_name,
                "challenge_title": ra.challenge.title,
                "round_name": round_.name,
                "reference": entry.reference or "",
                "advanced": item.advances,
                "feedback": released_feedback(session, round_, item.entry_id),
                "link": f"{settings.base_url}/entry.html?id={entry.id}",
            },
        )


class Outcome(BaseModel):
    round_id: int
    round_name: str
    position: int
    advanced: bool
    decided_at: datetime | None
    feedback: list[str]


def outcomes(session: Session, entry: Entry) -> list[Outcome]:
    """The rounds whose decisions were applied to the entry, with released feedback."""
    rows = session.exec(
        select(RoundEntry, Round)
        .join(Round, col(Round.id) == col(RoundEntry.round_id))
        .where(
            RoundEntry.entry_id == entry.id,
            col(Round.advanced_at).is_not(None),
            col(RoundEntry.advanced).is_not(None),
        )
        .order_by(col(Round.position))
    ).all()
    assert entry.id is not None
    return [
        Outcome(
            round_id=r.id,
            round_name=r.name,
            position=r.position,
            advanced=bool(re.advanced),
            decided_at=re.decided_at,
            feedback=released_feedback(session, r, entry.id),
        )
        for re, r in rows
        if r.id is not None
    ]
