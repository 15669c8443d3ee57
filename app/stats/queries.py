"""The dashboard's counts, each one aggregate query (GROUP BY in the database), on SQLite and
PostgreSQL alike. Population: unless a figure says otherwise, the call's *submitted* entries
(status submitted: not drafts, not withdrawn)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Text, and_, case, cast, distinct, exists, func, literal, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from app.judging.scoring import round_criteria, round_entries, scorecard_score_query
from app.models import (
    Assignment,
    Award,
    Eligibility,
    Entry,
    EntryStatus,
    FieldType,
    FormField,
    Judge,
    JudgeStatus,
    Round,
    RoundEntry,
    Scorecard,
    ScorecardStatus,
    User,
    Vote,
    VoteStatus,
)

# Every real time zone's offset is a whole number of quarter hours, so counting per quarter
# hour in SQL (UTC) and then giving each quarter its local day is exact, DST included.
QUARTER = 900
BINS = 10


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


SUBMITTED = col(Entry.status) == EntryStatus.submitted


def entry_states(session: Session, challenge_ids: list[int]) -> dict[int, dict[str, int]]:
    """Entries by state per call: started (every entry), draft, submitted, withdrawn, and of
    the submitted ones eligible, ineligible and pending screening."""
    eligibility = col(Entry.eligibility)
    rows = session.execute(
        select(
            col(Entry.challenge_id),
            func.count(),
            _count_if(col(Entry.status) == EntryStatus.draft),
            _count_if(SUBMITTED),
            _count_if(col(Entry.status) == EntryStatus.withdrawn),
            _count_if(and_(SUBMITTED, eligibility == Eligibility.eligible)),
            _count_if(and_(SUBMITTED, eligibility == Eligibility.ineligible)),
            _count_if(and_(SUBMITTED, eligibility == Eligibility.pending)),
        )
        .where(col(Entry.challenge_id).in_(challenge_ids))
        .group_by(col(Entry.challenge_id))
    ).all()
    names = ("started", "draft", "submitted", "withdrawn", "eligible", "ineligible", "pending")
    found = {row[0]: dict(zip(names, (int(v) for v in row[1:]), strict=True)) for row in rows}
    return {cid: found.get(cid, dict.fromkeys(names, 0)) for cid in challenge_ids}


def registered(session: Session, start: datetime | None, end: datetime) -> int:
    """Accounts created while the call was out: from its publication (or opening) to its
    deadline, or to now while it is still open."""
    if start is None or start > end:
        return 0
    return int(
        session.scalar(
            select(func.count()).where(col(User.created_at) >= start, col(User.created_at) <= end)
        )
        or 0
    )


def awarded(session: Session, challenge_ids: list[int]) -> dict[int, int]:
    """Distinct entries holding at least one award (any tier, finalist included), per call."""
    rows = session.execute(
        select(col(Award.challenge_id), func.count(distinct(col(Award.entry_id))))
        .where(col(Award.challenge_id).in_(challenge_ids))
        .group_by(col(Award.challenge_id))
    ).all()
    found = {cid: int(n) for cid, n in rows}
    return {cid: found.get(cid, 0) for cid in challenge_ids}


def country_field(session: Session, challenge_id: int) -> FormField | None:
    """The form's first country question (removed ones included: old entries answered it)."""
    return session.scalars(
        select(FormField)
        .where(
            col(FormField.challenge_id) == challenge_id, col(FormField.type) == FieldType.country
        )
        .order_by(col(FormField.position), col(FormField.id))
        .limit(1)
    ).first()


def answer_expression(key: str) -> ColumnElement[Any]:
    return col(Entry.answers)[key].as_string()


def grouped(session: Session, challenge_id: int, expression: Any) -> list[tuple[Any, int]]:
    """Submitted entries of the call counted per value of `expression`."""
    return [
        (value, int(n))
        for value, n in session.execute(
            select(expression, func.count())
            .where(col(Entry.challenge_id) == challenge_id, SUBMITTED)
            .group_by(expression)
        ).all()
    ]


def answer_counts(session: Session, challenge_id: int, field: FormField) -> Counter[str | None]:
    """Submitted entries per answer to one question; a multi-choice answer counts once for
    each choice ticked, so its counts may add up to more than the entries."""
    counts: Counter[str | None] = Counter()
    for value, n in grouped(session, challenge_id, answer_expression(field.key)):
        for item in _answer_values(field, value):
            counts[item] += n
    return counts


def _answer_values(field: FormField, value: Any) -> list[str | None]:
    if value is None or value == "":
        return [None]
    if field.type == FieldType.multi_choice:
        try:
            items = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            items = [value]
        if not isinstance(items, list) or not items:
            return [None]
        return [str(i) for i in items]
    if field.type == FieldType.checkbox:
        return ["yes" if str(value).lower() in ("1", "true") else "no"]
    return [str(value)]


def participants(session: Session, challenge_id: int) -> tuple[int, int, int]:
    """(people, returning, offline entries) behind the call's submitted entries. A returning
    participant had an entry submitted to another call before their first one here."""
    first = (
        select(
            col(Entry.owner_id).label("owner_id"),
            func.min(col(Entry.submitted_at)).label("first_at"),
        )
        .where(col(Entry.challenge_id) == challenge_id, SUBMITTED, col(Entry.owner_id).is_not(None))
        .group_by(col(Entry.owner_id))
        .subquery()
    )
    earlier = aliased(Entry)
    before = exists().where(
        col(earlier.owner_id) == first.c.owner_id,
        col(earlier.challenge_id) != challenge_id,
        col(earlier.submitted_at).is_not(None),
        col(earlier.submitted_at) < first.c.first_at,
    )
    people, returning = session.execute(
        select(func.count(), _count_if(before)).select_from(first)
    ).one()
    offline = session.scalar(
        select(func.count()).where(
            col(Entry.challenge_id) == challenge_id, SUBMITTED, col(Entry.owner_id).is_(None)
        )
    )
    return int(people), int(returning or 0), int(offline or 0)


def quarter_hours(session: Session, column: Any) -> ColumnElement[int]:
    """The quarter hour (since the epoch, UTC) a timestamp falls in, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column) / QUARTER), Integer)
    # SQLite keeps UTC as text; strftime('%s') reads it as seconds since the epoch.
    return cast(cast(func.strftime("%s", column), Integer) / literal(QUARTER), Integer)


def local_day(quarter: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(quarter * QUARTER, UTC).astimezone(zone).date()


def days_between(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def submissions_per_quarter(session: Session, challenge_id: int) -> list[tuple[int, int]]:
    bucket = quarter_hours(session, col(Entry.submitted_at))
    return [
        (int(q), int(n))
        for q, n in session.execute(
            select(bucket, func.count())
            .where(
                col(Entry.challenge_id) == challenge_id,
                SUBMITTED,
                col(Entry.submitted_at).is_not(None),
            )
            .group_by(bucket)
        ).all()
    ]


def votes_per_quarter(session: Session, challenge_id: int) -> list[tuple[int, VoteStatus, int]]:
    bucket = quarter_hours(session, col(Vote.created_at))
    return [
        (int(q), VoteStatus(s), int(n))
        for q, s, n in session.execute(
            select(bucket, col(Vote.status), func.count())
            .where(col(Vote.challenge_id) == challenge_id)
            .group_by(bucket, col(Vote.status))
        ).all()
    ]


def vote_totals(session: Session, challenge_ids: list[int]) -> dict[int, dict[str, int]]:
    """Votes per call by status, and the distinct voters behind the votes not discarded."""
    status = col(Vote.status)
    rows = session.execute(
        select(
            col(Vote.challenge_id),
            _count_if(status == VoteStatus.counted),
            _count_if(status == VoteStatus.held),
            _count_if(status == VoteStatus.discarded),
            func.count(distinct(case((status != VoteStatus.discarded, col(Vote.voter_id))))),
        )
        .where(col(Vote.challenge_id).in_(challenge_ids))
        .group_by(col(Vote.challenge_id))
    ).all()
    names = ("counted", "held", "discarded", "voters")
    found = {row[0]: dict(zip(names, (int(v) for v in row[1:]), strict=True)) for row in rows}
    return {cid: found.get(cid, dict.fromkeys(names, 0)) for cid in challenge_ids}


def judge_statuses(session: Session, challenge_ids: list[int]) -> dict[int, Counter[str]]:
    rows = session.execute(
        select(col(Judge.challenge_id), col(Judge.status), func.count())
        .where(col(Judge.challenge_id).in_(challenge_ids))
        .group_by(col(Judge.challenge_id), col(Judge.status))
    ).all()
    found: dict[int, Counter[str]] = {cid: Counter() for cid in challenge_ids}
    for cid, status, n in rows:
        found[cid][JudgeStatus(status).value] = int(n)
    return found


def panel_tags(session: Session, challenge_id: int) -> tuple[Counter[str], int]:
    """Perspective tags of the judges still on the panel (active or invited), counted per
    distinct tag list in SQL and spread over the tags here; and how many have no tag."""
    tags = cast(col(Judge.tags), Text)  # PostgreSQL cannot group by json, but by its text
    counts: Counter[str] = Counter()
    untagged = 0
    for value, n in session.execute(
        select(tags, func.count())
        .where(col(Judge.challenge_id) == challenge_id, col(Judge.status) != JudgeStatus.withdrawn)
        .group_by(tags)
    ).all():
        listed = value if isinstance(value, list) else json.loads(value or "[]")
        if not listed:
            untagged += int(n)
        for tag in dict.fromkeys(listed):
            counts[str(tag)] += int(n)
    return counts, untagged


def scorecards_submitted(session: Session, challenge_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(col(Round.challenge_id), func.count())
        .select_from(Scorecard)
        .join(Assignment, col(Assignment.id) == col(Scorecard.assignment_id))
        .join(Round, col(Round.id) == col(Assignment.round_id))
        .where(
            col(Round.challenge_id).in_(challenge_ids),
            col(Scorecard.status) == ScorecardStatus.submitted,
        )
        .group_by(col(Round.challenge_id))
    ).all()
    found = {cid: int(n) for cid, n in rows}
    return {cid: found.get(cid, 0) for cid in challenge_ids}


def round_counts(session: Session, challenge_id: int) -> dict[int, dict[str, int]]:
    """Per round of the call: assignments, submitted and draft scorecards, and entries
    advanced from it."""
    status = col(Scorecard.status)
    judged = session.execute(
        select(
            col(Assignment.round_id),
            func.count(col(Assignment.id)),
            _count_if(status == ScorecardStatus.submitted),
            _count_if(status == ScorecardStatus.draft),
        )
        .select_from(Assignment)
        .join(Round, col(Round.id) == col(Assignment.round_id))
        .outerjoin(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id))
        .where(col(Round.challenge_id) == challenge_id)
        .group_by(col(Assignment.round_id))
    ).all()
    advanced = session.execute(
        select(col(RoundEntry.round_id), func.count())
        .join(Round, col(Round.id) == col(RoundEntry.round_id))
        .where(col(Round.challenge_id) == challenge_id, col(RoundEntry.advanced).is_(True))
        .group_by(col(RoundEntry.round_id))
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for rid, n, submitted, drafts in judged:
        counts[rid] = {"assignments": int(n), "submitted": int(submitted), "drafts": int(drafts)}
    for rid, n in advanced:
        counts.setdefault(rid, {})["advanced"] = int(n)
    return counts


def entries_in_round(session: Session, round_id: int) -> int:
    entries = round_entries(round_id).subquery()
    return int(session.scalar(select(func.count()).select_from(entries)) or 0)


def score_histogram(session: Session, round_id: int) -> list[int]:
    """How many entries' mean scorecard score (0–1) falls in each tenth of the scale: the
    scorecard scores from their one source query, averaged per entry and binned in SQL."""
    scores = scorecard_score_query(round_id, round_criteria(session, round_id)).subquery()
    means = (
        select(func.avg(scores.c.score).label("mean"))
        .where(scores.c.score.is_not(None))
        .group_by(scores.c.entry_id)
        .subquery()
    )
    # A perfect 1 goes into the last bin. PostgreSQL's CAST rounds, so it floors first;
    # SQLite's truncates, which is floor for scores ≥ 0 (and it may lack FLOOR).
    scaled = means.c.mean * BINS
    if session.get_bind().dialect.name == "postgresql":
        scaled = func.floor(scaled)
    bin_ = case((means.c.mean >= 1, BINS - 1), else_=cast(scaled, Integer))
    counts = [0] * BINS
    for index, n in session.execute(select(bin_, func.count()).group_by(bin_)).all():
        counts[min(max(int(index), 0), BINS - 1)] += int(n)
    return counts
