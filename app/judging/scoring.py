"""A round's scores, exactly as DOMAIN.md "The numbers, exactly" defines them.

The weighted score of a scorecard is computed in one place: `scorecard_score_query`, a
single GROUP BY over score_value ⋈ scorecard ⋈ assignment (submitted scorecards only), the
round's criteria (weights and scales) written into it as constants. Ranking, export and
tests all read scorecard scores through it.

Scores are kept on 0–1 at full precision; `to_shown` / `from_shown` convert to and from the
scale organisers see (and declare thresholds on). Rounding happens only when displaying.

Where the statistics are computed, and why:

- Scorecard scores: in SQL (the one source). The same query carries each criterion's raw
  value per scorecard (MAX(CASE ...) per criterion), so the score values are scanned once.
- Everything else (each entry's n, mean, SD, min, max and spread, overall and per criterion;
  each judge's statistics; the round's mean and SD; normalisation; ICC): in Python, in one
  pass over that query's rows. Normalisation and ICC need every scorecard score anyway, and
  SQLite has no SD; a second SQL aggregate would scan the score values again. Means use
  `math.fsum`, SDs the two-pass formula (mean first, then the squared deviations; never
  SUM(x²) − SUM(x)²/n), so results are exact to floating point and identical on SQLite and
  PostgreSQL. A group whose values are all equal has SD exactly 0.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlmodel import Session, col

from app.core.errors import NotFound
from app.models.entry import Entry
from app.models.judging import (
    Assignment,
    Criterion,
    Round,
    RoundEntry,
    Scorecard,
    ScorecardStatus,
    ScoreValue,
)


@dataclass(slots=True)
class Stats:
    """n values, their mean, sample SD (None when n < 2), min and max (None when n = 0)."""

    n: int
    mean: float | None
    sd: float | None
    min: float | None
    max: float | None


EMPTY = Stats(n=0, mean=None, sd=None, min=None, max=None)


@dataclass(slots=True)
class ScorecardScore:
    """One submitted scorecard's weighted score on 0–1."""

    scorecard_id: int
    entry_id: int
    judge_id: int
    score: float


@dataclass(slots=True)
class EntryScore:
    """An entry's scorecard scores in a round, on 0–1.

    `normalised` is the mean of its normalised scorecard scores (always computed, so raw and
    normalised can both be shown); `score` is the one the round ranks by (normalised when the
    round declares normalisation, else `mean`). `spread` = max − min; `disagreement` is set
    when the spread exceeds the round's `disagreement_share`. `criteria` maps a criterion id
    to the statistics of its raw values on the criterion's own scale (N/A left out).
    """

    entry_id: int
    category: str | None
    n: int
    mean: float | None
    sd: float | None
    min: float | None
    max: float | None
    normalised: float | None
    score: float | None
    spread: float | None
    disagreement: bool
    criteria: dict[int, Stats] = field(default_factory=dict)


@dataclass(slots=True)
class JudgeStats:
    """A judge's scorecard scores in the round; `normalised` says whether they were rescaled
    (False for a judge with fewer than 2 scorecards or no spread, or a round without an SD)."""

    judge_id: int
    n: int
    mean: float | None
    sd: float | None
    min: float | None
    max: float | None
    normalised: bool


@dataclass(slots=True)
class Icc:
    """ICC(1) from one-way ANOVA with entries as groups.

    a entries with at least one scorecard score, N scorecard scores in all,
    k0 = (N − Σnᵢ²/N)/(a − 1). `value` is None when MSB + (k0 − 1)·MSW is 0 (every score
    equal), where the ratio is undefined.
    """

    value: float | None
    a: int
    n: int
    k0: float
    msb: float
    msw: float


@dataclass(slots=True)
class RoundScores:
    """Every number a round's ranking, results and exports show, scores on 0–1.

    `entries` is in ranking order: by `score` descending, entries without a score last,
    then by entry id (the round's declared tie-breaks are applied by the ranking, not here).
    `mean` and `sd` are those of all scorecard scores in the round.
    """

    round_id: int
    normalise: bool
    disagreement_share: float
    shared_scale: tuple[float, float] | None
    entries: list[EntryScore]
    judges: list[JudgeStats]
    icc: Icc | None
    n: int
    mean: float | None
    sd: float | None

    def shown(self, score: float | None) -> float | None:
        """A 0–1 score on the scale organisers see."""
        return None if score is None else to_shown(score, self.shared_scale)


def to_shown(score: float, shared_scale: tuple[float, float] | None) -> float:
    """A 0–1 score on the shown scale: min + score·(max − min) when every criterion of the
    round shares one scale, else score × 100."""
    if shared_scale is None:
        return score * 100
    low, high = shared_scale
    return low + score * (high - low)


def from_shown(shown: float, shared_scale: tuple[float, float] | None) -> float:
    """The inverse of `to_shown`: a value on the shown scale (e.g. a threshold) on 0–1."""
    if shared_scale is None:
        return shown / 100
    low, high = shared_scale
    return (shown - low) / (high - low)


def shared_scale(criteria: list[Criterion]) -> tuple[float, float] | None:
    """The (min, max) every criterion shares, or None when they differ (or there are none)."""
    scales = {(c.scale_min, c.scale_max) for c in criteria}
    return scales.pop() if len(scales) == 1 else None


def _moments(values: list[float]) -> tuple[int, float, float, float, float]:
    """n, mean, sum of squared deviations from the mean, min, max of a non-empty list.

    Two passes (mean first, then the squared deviations), summed with `math.fsum`: exact to
    floating point, never SUM(x²) − SUM(x)²/n. Equal values have no spread whatever the
    rounding of their mean.
    """
    n = len(values)
    if n == 1:
        v = values[0]
        return 1, v, 0.0, v, v
    low = min(values)
    high = max(values)
    mean = math.fsum(values) / n
    if low == high:
        return n, mean, 0.0, low, high
    return n, mean, math.fsum([(v - mean) * (v - mean) for v in values]), low, high


def _stats(moments: tuple[int, float, float, float, float]) -> Stats:
    n, mean, squares, low, high = moments
    sd = math.sqrt(squares / (n - 1)) if n > 1 else None
    return Stats(n, mean, sd, low, high)


def stats(values: list[float]) -> Stats:
    """n, mean, sample SD (None for one value), min and max; empty Stats for no values."""
    return _stats(_moments(values)) if values else EMPTY


def scorecard_score_query(
    round_id: int, criteria: Sequence[Criterion], *, with_values: bool = False
) -> Select[*tuple[Any, ...]]:
    """The single source of the scorecard score: Σ w·x / Σ w over non-N/A criteria, with
    x = (s − min)/(max − min), one row per submitted scorecard ordered by entry, judge and
    scorecard. A scorecard whose criteria are all N/A has no row. A criterion without a
    range cannot be put on 0–1 and is left out like N/A.

    `criteria` are the round's: each one's weight and scale go into the query as constants
    (a CASE on the criterion), so the score values are read without a join per value; a
    value of any other criterion adds to neither sum.
    With `with_values` a further column per criterion carries its raw value on the
    scorecard (NULL for N/A), so per-criterion statistics need no second scan.
    """
    usable = [c for c in criteria if c.id is not None and c.scale_max > c.scale_min]
    criterion = col(ScoreValue.criterion_id)
    value = col(ScoreValue.value)
    weighted = case(
        *[
            (criterion == c.id, c.weight * ((value - c.scale_min) / (c.scale_max - c.scale_min)))
            for c in usable
        ],
        else_=None,
    )
    weight = case(*[(criterion == c.id, c.weight) for c in usable], else_=None)
    values = (
        [
            func.max(case((criterion == c.id, value))).label(f"value_{c.id}")
            for c in criteria
            if c.id is not None
        ]
        if with_values
        else []
    )
    return (
        select(
            col(Assignment.entry_id),
            col(Assignment.judge_id),
            col(Scorecard.id).label("scorecard_id"),
            (func.sum(weighted) / func.sum(weight)).label("score"),
            *values,
        )
        .select_from(ScoreValue)
        .join(Scorecard, col(Scorecard.id) == ScoreValue.scorecard_id)
        .join(Assignment, col(Assignment.id) == Scorecard.assignment_id)
        .where(
            col(Assignment.round_id) == round_id,
            col(Scorecard.status) == ScorecardStatus.submitted,
            value.is_not(None),
        )
        # (round_id, entry_id, judge_id) is unique and indexed: groups come out in order.
        .group_by(col(Assignment.entry_id), col(Assignment.judge_id), col(Scorecard.id))
        .order_by(col(Assignment.entry_id), col(Assignment.judge_id), col(Scorecard.id))
    )


def round_criteria(session: Session, round_id: int) -> list[Criterion]:
    return list(
        session.scalars(
            select(Criterion).where(col(Criterion.round_id) == round_id).order_by(col(Criterion.id))
        )
    )


def scorecard_scores(session: Session, round_id: int) -> list[ScorecardScore]:
    """Every submitted, scored scorecard of the round with its weighted score on 0–1."""
    return [
        ScorecardScore(scorecard_id=s, entry_id=e, judge_id=j, score=float(v))
        for e, j, s, v in session.execute(
            scorecard_score_query(round_id, round_criteria(session, round_id))
        )
        if v is not None
    ]


def round_entries(round_id: int) -> Select[*tuple[Any, ...]]:
    """The entries in the round (id, category): taken into it, or assigned in it."""
    in_round = or_(
        col(Entry.id).in_(
            select(col(RoundEntry.entry_id)).where(col(RoundEntry.round_id) == round_id)
        ),
        col(Entry.id).in_(
            select(col(Assignment.entry_id)).where(col(Assignment.round_id) == round_id)
        ),
    )
    return select(col(Entry.id), col(Entry.category)).where(in_round)


def _tuples(session: Session, query: Select[*tuple[Any, ...]]) -> Sequence[Any]:
    """A query's rows as the driver's plain tuples (no Row objects: rounds are large)."""
    result = session.connection().execute(query)
    try:
        return result.cursor.fetchall() if result.cursor else []
    finally:
        result.close()


def _icc(groups: list[tuple[int, float, float, float, float]], grand_mean: float) -> Icc | None:
    """ICC(1) from the entries' moments; None where a < 2 or no entry has two scores."""
    a = len(groups)
    total = sum(g[0] for g in groups)
    if a < 2 or total == a:
        return None
    msb = math.fsum([n * (mean - grand_mean) ** 2 for n, mean, *_ in groups]) / (a - 1)
    msw = math.fsum([g[2] for g in groups]) / (total - a)
    k0 = (total - sum(g[0] ** 2 for g in groups) / total) / (a - 1)
    denominator = msb + (k0 - 1) * msw
    value = None if denominator == 0 else (msb - msw) / denominator
    return Icc(value=value, a=a, n=total, k0=k0, msb=msb, msw=msw)


def round_scores(session: Session, round_id: int, *, with_criteria: bool = False) -> RoundScores:
    """Every entry's and judge's statistics for a round, normalisation, disagreement and ICC.

    Four queries whatever the round's size: the round, its criteria, its entries, and the
    scorecard scores. With `with_criteria` (the entry view and the exports) each criterion's
    raw value comes alongside and its statistics are filled in per entry; the ranking leaves
    them out, which keeps it a single light pass.
    """
    rnd = session.get(Round, round_id)
    if rnd is None:
        raise NotFound("No such round.")
    criteria = round_criteria(session, round_id)
    criterion_ids = [c.id for c in criteria if c.id is not None] if with_criteria else []
    query = scorecard_score_query(round_id, criteria, with_values=with_criteria)
    # Plain tuples straight from the driver: a round's rows are many and hold only numbers.
    rows = [row for row in _tuples(session, query) if row[3] is not None]
    entries = _tuples(session, round_entries(round_id))

    # Pass 1: every scorecard score by judge, and the round's mean and SD.
    by_judge: dict[int, list[float]] = defaultdict(list)
    for row in rows:
        by_judge[row[1]].append(row[3])
    overall = stats([row[3] for row in rows])
    judge_moments = {j: _moments(v) for j, v in by_judge.items()}

    # m + s·(v − mⱼ)/sⱼ. A judge with < 2 scorecards or sⱼ = 0 keeps v, and so does everyone
    # when the round's own SD is undefined (fewer than 2 scorecard scores).
    m, s = overall.mean, overall.sd
    rescale: dict[int, tuple[float, float]] = {}
    if m is not None and s is not None:
        for judge_id, (n_j, mean_j, squares_j, _, _) in judge_moments.items():
            if n_j >= 2 and squares_j > 0:
                rescale[judge_id] = (mean_j, math.sqrt(squares_j / (n_j - 1)))

    # Pass 2: the rows come ordered by entry; each entry's statistics at the end of its run.
    share = rnd.disagreement_share
    normalise = rnd.normalise
    fsum, sqrt = math.fsum, math.sqrt
    moments_by_entry: list[tuple[int, float, float, float, float]] = []
    scored: dict[int, EntryScore] = {}

    values_all = [row[3] for row in rows]
    if rescale:
        get = rescale.get
        norm_all = [
            v if (f := get(row[1])) is None else m + s * (v - f[0]) / f[1]
            for row, v in zip(rows, values_all, strict=True)
        ]
    else:
        norm_all = values_all
    # Where each entry's run of rows starts (they come ordered by entry).
    starts = [i for i, row in enumerate(rows) if i == 0 or row[0] != rows[i - 1][0]]
    starts.append(len(rows))
    for a, b in itertools.pairwise(starts):
        raw = values_all[a:b]
        # _moments, inlined: this runs once per entry of the round.
        n = b - a
        low, high = min(raw), max(raw)
        if n == 1:
            mean, squares = raw[0], 0.0
        else:
            mean = fsum(raw) / n
            squares = 0.0 if low == high else fsum([(v - mean) * (v - mean) for v in raw])
        moments_by_entry.append((n, mean, squares, low, high))
        per_criterion: dict[int, Stats] = {}
        for k, criterion_id in enumerate(criterion_ids, start=4):
            values = [row[k] for row in rows[a:b] if row[k] is not None]
            if values:
                per_criterion[criterion_id] = _stats(_moments(values))
        norm_mean = fsum(norm_all[a:b]) / n
        spread = high - low
        entry_id = rows[a][0]
        scored[entry_id] = EntryScore(
            entry_id,
            None,
            n,
            mean,
            sqrt(squares / (n - 1)) if n > 1 else None,
            low,
            high,
            norm_mean,
            norm_mean if normalise else mean,
            spread,
            spread > share,
            per_criterion,
        )

    results: list[EntryScore] = []
    for entry_id, category in entries:
        entry = scored.get(entry_id)
        if entry is None:
            entry = EntryScore(entry_id, None, 0, None, None, None, None, None, None, None, False)
        entry.category = category
        results.append(entry)
    results.sort(key=lambda e: (e.score is None, -(e.score or 0.0), e.entry_id))

    judges = []
    for j, moments in sorted(judge_moments.items()):
        js = _stats(moments)
        judges.append(
            JudgeStats(
                judge_id=j,
                n=js.n,
                mean=js.mean,
                sd=js.sd,
                min=js.min,
                max=js.max,
                normalised=j in rescale,
            )
        )
    return RoundScores(
        round_id=round_id,
        normalise=rnd.normalise,
        disagreement_share=share,
        shared_scale=shared_scale(criteria),
        entries=results,
        judges=judges,
        icc=None if m is None else _icc(moments_by_entry, m),
        n=overall.n,
        mean=m,
        sd=s,
    )
