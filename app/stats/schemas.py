"""The evaluation dashboard's figures (DOMAIN.md "Monitoring and evaluation"), as the
`stats` endpoint returns them. Every count is computed in SQL; shares are 0–1."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class Stage(BaseModel):
    """One step of the funnel. `key` is registered (accounts created on this OpenCall while
    the call was out, from its publication to its deadline: the platform's, not only this
    call's, as accounts are not made per call), started, submitted, eligible, round-<id>
    (advanced from that round) or awarded."""

    key: str
    label: str
    count: int


class CountryCount(BaseModel):
    iso2: str
    name: str
    income_group: str | None
    count: int


class GroupCount(BaseModel):
    """A value of a breakdown and how many submitted entries have it; `value` null: not
    answered."""

    value: str | None
    count: int
    share: float


class Breakdown(BaseModel):
    """Submitted entries split by one attribute: key is channel, language, category or
    field:<form field key> for each demographic question of the form."""

    key: str
    label: str
    rows: list[GroupCount]


class IncomeGroups(BaseModel):
    """Submitted entries by the World Bank income group of their country (FY2026); `lmic_share`
    is the share from low- and middle-income countries among entries whose country has a
    group (null when none has)."""

    rows: list[GroupCount]
    known: int
    lmic: int
    lmic_share: float | None


class Participants(BaseModel):
    """The people behind the submitted entries: accounts, and of them first-time participants
    (no entry submitted to another call before) and returning ones; `offline` counts entries
    taken on someone's behalf with no account."""

    people: int
    first_time: int
    returning: int
    offline_entries: int


class DayCount(BaseModel):
    """A calendar day in the call's time zone."""

    date: date
    count: int


class VoteDay(BaseModel):
    date: date
    counted: int
    held: int
    discarded: int


class TagCount(BaseModel):
    tag: str
    count: int


class Panel(BaseModel):
    """The judges' panel: `accepted` judges are active (they took the invitation), `invited`
    have not answered yet, `declined` withdrew or were withdrawn. By perspective tag counts the
    active and invited ones (a judge may have several tags; `untagged` counts those with
    none)."""

    judges: int
    accepted: int
    invited: int
    declined: int
    by_perspective: list[TagCount]
    untagged: int


class ScoreBin(BaseModel):
    """Entries whose mean scorecard score (0–1) lies in [lo, hi) (the last bin includes 1);
    `shown_lo`/`shown_hi` are the same edges on the round's shared scale, when it has one."""

    lo: float
    hi: float
    shown_lo: float | None
    shown_hi: float | None
    count: int


class RoundStats(BaseModel):
    """A round's entries, judging progress and score distribution."""

    id: int
    position: int
    name: str
    entries: int
    advanced: int
    assignments: int
    submitted: int
    drafts: int
    progress: float | None = Field(description="Submitted scorecards over assignments.")
    scored_entries: int
    score_bins: list[ScoreBin]


class Votes(BaseModel):
    enabled: bool
    counted: int
    held: int
    discarded: int
    voters: int
    per_day: list[VoteDay]


class ReachIn(BaseModel):
    """What the organisers report by hand: reach and costs. Every figure is optional."""

    model_config = ConfigDict(extra="forbid")

    events: int | None = Field(default=None, ge=0, le=10**9)
    attendance: int | None = Field(default=None, ge=0, le=10**12)
    social_reach: int | None = Field(default=None, ge=0, le=10**12)
    partners: int | None = Field(default=None, ge=0, le=10**6)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    prize_costs: float | None = Field(default=None, ge=0, le=10**12)
    staff_costs: float | None = Field(default=None, ge=0, le=10**12)
    promotion_costs: float | None = Field(default=None, ge=0, le=10**12)
    other_costs: float | None = Field(default=None, ge=0, le=10**12)
    notes: str = Field(default="", max_length=5000)


class Reach(ReachIn):
    updated_at: datetime | None


class Costs(BaseModel):
    """Total of the costs entered, and per submitted and per eligible entry (null when
    nothing was entered or there are no such entries)."""

    currency: str
    total: float | None
    per_submitted: float | None
    per_eligible: float | None


class ChallengeStats(BaseModel):
    """Every figure of a call's evaluation dashboard."""

    slug: str
    title: str
    timezone: str
    opens_at: datetime | None
    deadline: datetime | None
    deadline_date: date | None = Field(description="The deadline's day in the call's time zone.")
    generated_at: datetime
    funnel: list[Stage]
    entries: dict[str, int] = Field(
        description="Entries by state: started, draft, submitted, withdrawn, eligible, "
        "ineligible, pending (submitted and not yet screened)."
    )
    countries: list[CountryCount]
    income_groups: IncomeGroups
    breakdowns: list[Breakdown]
    participants: Participants
    submissions_per_day: list[DayCount]
    panel: Panel
    rounds: list[RoundStats]
    votes: Votes
    reach: Reach
    costs: Costs


class ChallengeSummary(BaseModel):
    """One call's headline figures, for the admin's side-by-side view."""

    slug: str
    title: str
    opens_at: datetime | None
    deadline: datetime | None
    started: int
    submitted: int
    eligible: int
    awarded: int
    countries: int
    lmic_share: float | None
    people: int
    first_time: int
    judges: int
    scorecards_submitted: int
    votes_counted: int
    votes_held: int
    currency: str
    total_costs: float | None
    cost_per_submitted: float | None
    cost_per_eligible: float | None
