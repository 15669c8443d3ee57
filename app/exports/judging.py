"""The judging tables: scorecards (one row per scorecard and criterion, the raw value or
N/A), entry scores per round (the statistics the ranking uses, with rank and advancement),
judges (perspective tags, load and scorecards done) and the conflict register."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from app.exports.entries import BATCH, Column
from app.judging.scoring import round_scores
from app.models import (
    Assignment,
    Conflict,
    Criterion,
    Entry,
    Judge,
    Round,
    RoundEntry,
    Scorecard,
    ScorecardStatus,
    ScoreValue,
)

SCORECARDS = (
    Column("scorecard_id", "integer", "The scorecard's number."),
    Column("round_id", "integer", "The round it belongs to."),
    Column("round", "text", "That round's name."),
    Column("entry_id", "integer", "The entry scored (entry_id of the entries table)."),
    Column("reference", "text", "That entry's reference."),
    Column("judge_id", "integer", "The judge (judge_id of the judges table)."),
    Column("judge_name", "text", "The judge's name."),
    Column("status", "draft | submitted", "Whether the judge has submitted the scorecard."),
    Column("criterion_id", "integer", "The criterion of this row."),
    Column("criterion", "text", "Its name."),
    Column("weight", "number", "Its declared weight."),
    Column("scale_min", "number", "The bottom of its scale."),
    Column("scale_max", "number", "The top of its scale."),
    Column("value", "number", "The raw value given, on the criterion's own scale."),
    Column("na", "boolean", "true where the judge marked the criterion not applicable."),
    Column("submitted_at", "datetime", "When the scorecard was submitted (UTC)."),
)

SCORES = (
    Column("round_id", "integer", "The round."),
    Column("round", "text", "Its name."),
    Column("entry_id", "integer", "The entry (entry_id of the entries table)."),
    Column("reference", "text", "Its reference."),
    Column("category", "text", "Its category."),
    Column("scorecards", "integer", "Submitted scorecards counted."),
    Column("mean", "number", "Mean scorecard score, 0-1 (weighted criteria, N/A left out)."),
    Column("sd", "number", "Standard deviation of the scorecard scores (n - 1)."),
    Column("min", "number", "Lowest scorecard score, 0-1."),
    Column("max", "number", "Highest scorecard score, 0-1."),
    Column("normalised", "number", "Mean of the judges' normalised scores (z within judge)."),
    Column("score", "number", "The score the round ranks by: normalised or mean, as declared."),
    Column("disagreement", "boolean", "Whether the spread exceeds the round's threshold."),
    Column("rank", "integer", "The rank recorded when the round's advancement was applied."),
    Column("advanced", "boolean", "Whether the entry advanced (empty until decided)."),
    Column("tie_resolved_by", "text", "The tie-break that settled its place, if one did."),
)

JUDGES = (
    Column("judge_id", "integer", "The judge's number in this call."),
    Column("name", "text", "The judge's name."),
    Column("email", "text", "The judge's e-mail address."),
    Column("affiliation", "text", "The judge's organisation."),
    Column("tags", "text", "Perspective tags, joined with '; '."),
    Column("languages", "text", "Languages the judge reads, joined with '; '."),
    Column("status", "invited | active | withdrawn", "Where the judge's invitation stands."),
    Column("max_load", "integer", "Most entries the judge takes per round (empty: no limit)."),
    Column("assigned", "integer", "Entries assigned, all rounds."),
    Column("submitted", "integer", "Scorecards submitted, all rounds."),
    Column("accepted_at", "datetime", "When the judge accepted (UTC)."),
)

CONFLICTS = (
    Column("conflict_id", "integer", "The conflict's number."),
    Column("judge_id", "integer", "The judge (judge_id of the judges table)."),
    Column("judge_name", "text", "The judge's name."),
    Column("entry_id", "integer", "The entry (entry_id of the entries table)."),
    Column("reference", "text", "Its reference."),
    Column(
        "source",
        "organiser | declared | detected",
        "Recorded by an organiser, declared by the judge, or detected by OpenCall's rules "
        "(the reason says which).",
    ),
    Column("reason", "text", "The reason recorded."),
    Column("created_at", "datetime", "When it was recorded (UTC)."),
)


def scorecards(engine: Engine, challenge_id: int) -> Iterator[list[Any]]:
    query = (
        select(
            *(
                col(c)
                for c in (
                    Scorecard.id,
                    Round.id,
                    Round.name,
                    Entry.id,
                    Entry.reference,
                    Judge.id,
                    Judge.display_name,
                    Scorecard.status,
                    Criterion.id,
                    Criterion.name,
                    Criterion.weight,
                    Criterion.scale_min,
                    Criterion.scale_max,
                    ScoreValue.value,
                    Scorecard.submitted_at,
                )
            )
        )
        .select_from(ScoreValue)
        .join(Scorecard, col(Scorecard.id) == col(ScoreValue.scorecard_id))
        .join(Criterion, col(Criterion.id) == col(ScoreValue.criterion_id))
        .join(Assignment, col(Assignment.id) == col(Scorecard.assignment_id))
        .join(Round, col(Round.id) == col(Assignment.round_id))
        .join(Entry, col(Entry.id) == col(Assignment.entry_id))
        .join(Judge, col(Judge.id) == col(Assignment.judge_id))
        .where(col(Round.challenge_id) == challenge_id)
        .order_by(
            col(Round.position), col(Scorecard.id), col(Criterion.position), col(Criterion.id)
        )
        .execution_options(yield_per=BATCH)
    )
    with Session(engine) as session:
        for *head, value, submitted_at in session.execute(query):
            yield [*head, value, value is None, submitted_at]


def scores(engine: Engine, challenge_id: int) -> Iterator[list[Any]]:
    """Round by round: each round's statistics come from the same computation as its
    ranking page, so the export and the page cannot disagree."""
    with Session(engine) as session:
        rounds = session.scalars(
            select(Round)
            .where(col(Round.challenge_id) == challenge_id)
            .order_by(col(Round.position))
        ).all()
        for round_ in rounds:
            assert round_.id is not None
            computed = {s.entry_id: s for s in round_scores(session, round_.id).entries}
            decided = session.execute(
                select(
                    col(RoundEntry.entry_id),
                    col(Entry.reference),
                    col(Entry.category),
                    col(RoundEntry.rank),
                    col(RoundEntry.advanced),
                    col(RoundEntry.tie_resolved_by),
                )
                .join(Entry, col(Entry.id) == col(RoundEntry.entry_id))
                .where(col(RoundEntry.round_id) == round_.id)
                .order_by(col(RoundEntry.entry_id))
            )
            for entry_id, reference, category, rank, advanced, tie in decided:
                s = computed.get(entry_id)
                yield [
                    round_.id,
                    round_.name,
                    entry_id,
                    reference,
                    category,
                    s.n if s else 0,
                    s.mean if s else None,
                    s.sd if s else None,
                    s.min if s else None,
                    s.max if s else None,
                    s.normalised if s else None,
                    s.score if s else None,
                    s.disagreement if s else None,
                    rank,
                    advanced,
                    tie,
                ]


def judges(engine: Engine, challenge_id: int) -> Iterator[list[Any]]:
    assigned = (
        select(func.count(col(Assignment.id)))
        .where(col(Assignment.judge_id) == col(Judge.id))
        .scalar_subquery()
    )
    submitted = (
        select(func.count(col(Scorecard.id)))
        .join(Assignment, col(Assignment.id) == col(Scorecard.assignment_id))
        .where(
            col(Assignment.judge_id) == col(Judge.id),
            col(Scorecard.status) == ScorecardStatus.submitted,
        )
        .scalar_subquery()
    )
    with Session(engine) as session:
        for judge, n_assigned, n_submitted in session.execute(
            select(Judge, assigned, submitted)
            .where(col(Judge.challenge_id) == challenge_id)
            .order_by(col(Judge.id))
            .execution_options(yield_per=BATCH)
        ):
            yield [
                judge.id,
                judge.display_name,
                judge.email,
                judge.affiliation,
                "; ".join(judge.tags),
                "; ".join(judge.languages),
                judge.status,
                judge.max_load,
                n_assigned,
                n_submitted,
                judge.accepted_at,
            ]


def conflicts(engine: Engine, challenge_id: int) -> Iterator[list[Any]]:
    with Session(engine) as session:
        yield from (
            list(row)
            for row in session.execute(
                select(
                    *(
                        col(c)
                        for c in (
                            Conflict.id,
                            Judge.id,
                            Judge.display_name,
                            Entry.id,
                            Entry.reference,
                            Conflict.source,
                            Conflict.reason,
                            Conflict.created_at,
                        )
                    )
                )
                .join(Judge, col(Judge.id) == col(Conflict.judge_id))
                .join(Entry, col(Entry.id) == col(Conflict.entry_id))
                .where(col(Conflict.challenge_id) == challenge_id)
                .order_by(col(Conflict.id))
                .execution_options(yield_per=BATCH)
            )
        )
