"""The evaluation dashboard: a call's figures for its organisers (and everything side by side
for admins), the reach and costs organisers enter, and the same figures as CSV rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.audit.service import changes, record, snapshot
from app.challenges.access import ChallengeAccess
from app.challenges.countries import LMIC_GROUPS, by_iso2
from app.challenges.phase import deadline
from app.core.db import utcnow
from app.judging.scoring import round_criteria, shared_scale, to_shown
from app.models import (
    Challenge,
    ChallengeReport,
    Entry,
    FieldType,
    FormField,
    Round,
    VotingRules,
)
from app.stats import queries
from app.stats.schemas import (
    Breakdown,
    ChallengeStats,
    ChallengeSummary,
    Costs,
    CountryCount,
    DayCount,
    GroupCount,
    IncomeGroups,
    Panel,
    Participants,
    Reach,
    ReachIn,
    RoundStats,
    ScoreBin,
    Stage,
    TagCount,
    VoteDay,
    Votes,
)

INCOME_GROUPS = ("Low income", "Lower middle income", "Upper middle income", "High income")
COSTS = ("prize_costs", "staff_costs", "promotion_costs", "other_costs")
REACH_FIELDS = (
    "events",
    "attendance",
    "social_reach",
    "partners",
    "currency",
    *COSTS,
    "notes",
)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _zone(challenge: Challenge) -> ZoneInfo:
    try:
        return ZoneInfo(challenge.timezone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _rows(counts: Counter[str | None], whole: int) -> list[GroupCount]:
    ordered = sorted(counts.items(), key=lambda kv: (kv[0] is None, -kv[1], kv[0] or ""))
    return [GroupCount(value=v, count=n, share=_share(n, whole)) for v, n in ordered]


def report_of(session: Session, challenge_id: int) -> ChallengeReport | None:
    return session.get(ChallengeReport, challenge_id)


def reach_public(report: ChallengeReport | None) -> Reach:
    if report is None:
        return Reach(updated_at=None)
    values = {name: getattr(report, name) for name in REACH_FIELDS}
    for name in COSTS:
        if values[name] is not None:
            values[name] = float(values[name])
    return Reach(**values, updated_at=report.updated_at)


def update_reach(session: Session, access: ChallengeAccess, body: ReachIn) -> Reach:
    """Record the call's reach and costs as the organisers report them (audited)."""
    user = access.need_organiser()
    challenge_id = access.challenge.id
    assert challenge_id is not None
    report = report_of(session, challenge_id)
    if report is None:
        report = ChallengeReport(challenge_id=challenge_id)
        session.add(report)
    before = snapshot(report, REACH_FIELDS)
    for name in REACH_FIELDS:
        value = getattr(body, name)
        if name in COSTS and value is not None:
            value = Decimal(str(round(value, 2)))
        setattr(report, name, value)
    report.updated_by_id = user.id
    report.updated_at = utcnow()
    old, new = changes(before, snapshot(report, REACH_FIELDS))
    if old or new:
        record(
            session,
            actor=user,
            action="challenge.report_update",
            object_type="challenge",
            object_id=challenge_id,
            challenge_id=challenge_id,
            before=old,
            after=new,
        )
    session.commit()
    return reach_public(report)


def costs(reach: Reach, submitted: int, eligible: int) -> Costs:
    entered = [getattr(reach, name) for name in COSTS if getattr(reach, name) is not None]
    total = round(sum(entered), 2) if entered else None
    return Costs(
        currency=reach.currency,
        total=total,
        per_submitted=total / submitted if total is not None and submitted else None,
        per_eligible=total / eligible if total is not None and eligible else None,
    )


def _countries(
    session: Session, challenge_id: int, submitted: int
) -> tuple[list[CountryCount], IncomeGroups]:
    field = queries.country_field(session, challenge_id)
    known = by_iso2()
    per_country: Counter[str] = Counter()
    per_group: Counter[str | None] = Counter()
    if field is not None:
        for value, n in queries.grouped(
            session, challenge_id, queries.answer_expression(field.key)
        ):
            country = known.get(value) if isinstance(value, str) else None
            if country is not None:
                per_country[country.iso2] += n
            per_group[country.income_group if country else None] += n
    else:
        per_group[None] = submitted
    rows = [
        CountryCount(iso2=c, name=known[c].name, income_group=known[c].income_group, count=n)
        for c, n in sorted(per_country.items(), key=lambda kv: (-kv[1], known[kv[0]].name))
    ]
    groups = [
        GroupCount(value=g, count=per_group.get(g, 0), share=_share(per_group.get(g, 0), submitted))
        for g in INCOME_GROUPS
    ]
    if per_group.get(None):
        groups.append(
            GroupCount(value=None, count=per_group[None], share=_share(per_group[None], submitted))
        )
    with_group = sum(n for g, n in per_group.items() if g is not None)
    lmic = sum(n for g, n in per_group.items() if g in LMIC_GROUPS)
    return rows, IncomeGroups(
        rows=groups,
        known=with_group,
        lmic=lmic,
        lmic_share=lmic / with_group if with_group else None,
    )


def _breakdowns(session: Session, challenge: Challenge, submitted: int) -> list[Breakdown]:
    assert challenge.id is not None
    out = []
    for key, label, expression in (
        ("channel", "Channel", col(Entry.channel)),
        ("language", "Language", col(Entry.language)),
        ("category", "Category", col(Entry.category)),
    ):
        counts: Counter[str | None] = Counter()
        for value, n in queries.grouped(session, challenge.id, expression):
            counts[getattr(value, "value", value) or None] += n
        out.append(Breakdown(key=key, label=label, rows=_rows(counts, submitted)))
    demographic = session.scalars(
        select(FormField)
        .where(
            col(FormField.challenge_id) == challenge.id,
            col(FormField.demographic).is_(True),
            col(FormField.type) != FieldType.file,
        )
        .order_by(col(FormField.position), col(FormField.id))
    ).all()
    for field in demographic:
        counts = queries.answer_counts(session, challenge.id, field)
        out.append(
            Breakdown(key=f"field:{field.key}", label=field.label, rows=_rows(counts, submitted))
        )
    return out


def _per_day(challenge: Challenge, quarters: list[tuple[int, int]]) -> list[DayCount]:
    zone = _zone(challenge)
    days: Counter[date] = Counter()
    for quarter, n in quarters:
        days[queries.local_day(quarter, zone)] += n
    if not days:
        return []
    return [
        DayCount(date=d, count=days.get(d, 0)) for d in queries.days_between(min(days), max(days))
    ]


def _votes(session: Session, challenge: Challenge, totals: dict[str, int]) -> Votes:
    assert challenge.id is not None
    zone = _zone(challenge)
    days: dict[date, Counter[str]] = {}
    for quarter, status, n in queries.votes_per_quarter(session, challenge.id):
        days.setdefault(queries.local_day(quarter, zone), Counter())[status.value] += n
    per_day = (
        [
            VoteDay(
                date=d,
                **{s: days.get(d, Counter()).get(s, 0) for s in ("counted", "held", "discarded")},
            )
            for d in queries.days_between(min(days), max(days))
        ]
        if days
        else []
    )
    rules = session.get(VotingRules, challenge.id)
    return Votes(
        enabled=bool(rules and rules.enabled),
        counted=totals["counted"],
        held=totals["held"],
        discarded=totals["discarded"],
        voters=totals["voters"],
        per_day=per_day,
    )


def _rounds(session: Session, challenge_id: int) -> list[RoundStats]:
    counts = queries.round_counts(session, challenge_id)
    out = []
    for round_ in session.scalars(
        select(Round).where(col(Round.challenge_id) == challenge_id).order_by(col(Round.position))
    ):
        assert round_.id is not None
        c = counts.get(round_.id, {})
        histogram = queries.score_histogram(session, round_.id)
        scale = shared_scale(round_criteria(session, round_.id))
        bins = []
        for i, n in enumerate(histogram):
            lo, hi = i / queries.BINS, (i + 1) / queries.BINS
            bins.append(
                ScoreBin(
                    lo=lo,
                    hi=hi,
                    shown_lo=to_shown(lo, scale) if scale else None,
                    shown_hi=to_shown(hi, scale) if scale else None,
                    count=n,
                )
            )
        assignments = c.get("assignments", 0)
        out.append(
            RoundStats(
                id=round_.id,
                position=round_.position,
                name=round_.name,
                entries=queries.entries_in_round(session, round_.id),
                advanced=c.get("advanced", 0),
                assignments=assignments,
                submitted=c.get("submitted", 0),
                drafts=c.get("drafts", 0),
                progress=_share(c.get("submitted", 0), assignments) if assignments else None,
                scored_entries=sum(histogram),
                score_bins=bins,
            )
        )
    return out


def challenge_stats(session: Session, challenge: Challenge) -> ChallengeStats:
    """Every figure of the call's dashboard, each counted in the database."""
    cid = challenge.id
    assert cid is not None
    now = utcnow()
    due = deadline(challenge)
    states = queries.entry_states(session, [cid])[cid]
    submitted, eligible = states["submitted"], states["eligible"]
    rounds = _rounds(session, cid)
    awarded = queries.awarded(session, [cid])[cid]
    window_end = min(due, now) if due else now
    funnel = [
        Stage(
            key="registered",
            label="New accounts on OpenCall while the call was out",
            count=queries.registered(
                session, challenge.published_at or challenge.opens_at, window_end
            ),
        ),
        Stage(key="started", label="Started an entry", count=states["started"]),
        Stage(key="submitted", label="Submitted", count=submitted),
        Stage(key="eligible", label="Eligible", count=eligible),
        *(
            Stage(key=f"round-{r.id}", label=f"Advanced from {r.name}", count=r.advanced)
            for r in rounds
        ),
        Stage(key="awarded", label="Awarded or recognised", count=awarded),
    ]
    countries, income = _countries(session, cid, submitted)
    people, returning, offline = queries.participants(session, cid)
    statuses = queries.judge_statuses(session, [cid])[cid]
    tags, untagged = queries.panel_tags(session, cid)
    reach = reach_public(report_of(session, cid))
    zone = _zone(challenge)
    return ChallengeStats(
        slug=challenge.slug,
        title=challenge.title,
        timezone=challenge.timezone,
        opens_at=challenge.opens_at,
        deadline=due,
        deadline_date=due.astimezone(zone).date() if due else None,
        generated_at=now,
        funnel=funnel,
        entries=states,
        countries=countries,
        income_groups=income,
        breakdowns=_breakdowns(session, challenge, submitted),
        participants=Participants(
            people=people,
            first_time=people - returning,
            returning=returning,
            offline_entries=offline,
        ),
        submissions_per_day=_per_day(challenge, queries.submissions_per_quarter(session, cid)),
        panel=Panel(
            judges=sum(statuses.values()),
            accepted=statuses.get("active", 0),
            invited=statuses.get("invited", 0),
            declined=statuses.get("withdrawn", 0),
            by_perspective=[
                TagCount(tag=t, count=n)
                for t, n in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            untagged=untagged,
        ),
        rounds=rounds,
        votes=_votes(session, challenge, queries.vote_totals(session, [cid])[cid]),
        reach=reach,
        costs=costs(reach, submitted, eligible),
    )


def summaries(session: Session, challenges: list[Challenge]) -> list[ChallengeSummary]:
    """The headline figures of several calls side by side, counted per call in grouped
    queries (one per figure for the whole page of calls, plus countries and returning
    participants per call)."""
    ids = [c.id for c in challenges if c.id is not None]
    states = queries.entry_states(session, ids)
    awarded = queries.awarded(session, ids)
    judges = queries.judge_statuses(session, ids)
    scorecards = queries.scorecards_submitted(session, ids)
    votes = queries.vote_totals(session, ids)
    reports = {
        r.challenge_id: r
        for r in session.scalars(
            select(ChallengeReport).where(col(ChallengeReport.challenge_id).in_(ids))
        )
    }
    out = []
    for challenge in challenges:
        cid = challenge.id
        assert cid is not None
        s = states[cid]
        countries, income = _countries(session, cid, s["submitted"])
        people, returning, _offline = queries.participants(session, cid)
        reach = reach_public(reports.get(cid))
        cost = costs(reach, s["submitted"], s["eligible"])
        out.append(
            ChallengeSummary(
                slug=challenge.slug,
                title=challenge.title,
                opens_at=challenge.opens_at,
                deadline=deadline(challenge),
                started=s["started"],
                submitted=s["submitted"],
                eligible=s["eligible"],
                awarded=awarded[cid],
                countries=len(countries),
                lmic_share=income.lmic_share,
                people=people,
                first_time=people - returning,
                judges=judges[cid].get("active", 0) + judges[cid].get("invited", 0),
                scorecards_submitted=scorecards[cid],
                votes_counted=votes[cid]["counted"],
                votes_held=votes[cid]["held"],
                currency=cost.currency,
                total_costs=cost.total,
                cost_per_submitted=cost.per_submitted,
                cost_per_eligible=cost.per_eligible,
            )
        )
    return out


STATS_HEADER = ("section", "key", "label", "value", "share")


def stats_rows(stats: ChallengeStats) -> Iterator[tuple[Any, ...]]:
    """The dashboard's figures as one long table: a row per figure, `section` saying which
    chart or table it belongs to, `share` its part of the submitted entries where that means
    something."""
    for stage in stats.funnel:
        yield ("funnel", stage.key, stage.label, stage.count, None)
    for key, n in stats.entries.items():
        yield ("entries", key, key, n, None)
    for c in stats.countries:
        yield ("country", c.iso2, c.name, c.count, _share(c.count, stats.entries["submitted"]))
    for g in stats.income_groups.rows:
        yield ("income_group", g.value or "unknown", g.value or "Unknown", g.count, g.share)
    yield (
        "income_group",
        "lmic",
        "Low- and middle-income",
        stats.income_groups.lmic,
        stats.income_groups.lmic_share,
    )
    for b in stats.breakdowns:
        for row in b.rows:
            yield (
                b.key,
                row.value or "unanswered",
                row.value or "Not answered",
                row.count,
                row.share,
            )
    p = stats.participants
    for key, n in (
        ("people", p.people),
        ("first_time", p.first_time),
        ("returning", p.returning),
        ("offline_entries", p.offline_entries),
    ):
        yield ("participants", key, key.replace("_", " "), n, None)
    for d in stats.submissions_per_day:
        yield ("submissions_per_day", d.date.isoformat(), d.date.isoformat(), d.count, None)
    panel = stats.panel
    for key, n in (
        ("judges", panel.judges),
        ("accepted", panel.accepted),
        ("invited", panel.invited),
        ("declined", panel.declined),
        ("untagged", panel.untagged),
    ):
        yield ("panel", key, key, n, None)
    for t in panel.by_perspective:
        yield ("panel_perspective", t.tag, t.tag, t.count, None)
    for r in stats.rounds:
        section = f"round-{r.id}"
        for key in (
            "entries",
            "advanced",
            "assignments",
            "submitted",
            "drafts",
            "progress",
            "scored_entries",
        ):
            yield (section, key, f"{r.name}: {key.replace('_', ' ')}", getattr(r, key), None)
        for bin_ in r.score_bins:
            span = f"{bin_.lo:.1f}-{bin_.hi:.1f}"
            label = f"{r.name}: mean score {bin_.lo:.1f} to {bin_.hi:.1f}"
            yield (f"{section}-scores", span, label, bin_.count, None)
    v = stats.votes
    for key in ("counted", "held", "discarded", "voters"):
        yield ("votes", key, key, getattr(v, key), None)
    for day in v.per_day:
        for key in ("counted", "held", "discarded"):
            yield ("votes_per_day", day.date.isoformat(), key, getattr(day, key), None)
    for key in ("events", "attendance", "social_reach", "partners", *COSTS):
        yield ("reach", key, key.replace("_", " "), getattr(stats.reach, key), None)
    yield ("costs", "currency", "currency", stats.costs.currency, None)
    for key in ("total", "per_submitted", "per_eligible"):
        yield ("costs", key, key.replace("_", " "), getattr(stats.costs, key), None)


SUMMARY_HEADER = tuple(ChallengeSummary.model_fields)


def summary_rows(items: Iterable[ChallengeSummary]) -> Iterator[tuple[Any, ...]]:
    for item in items:
        yield tuple(getattr(item, name) for name in SUMMARY_HEADER)
