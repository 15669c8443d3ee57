"""Results: the declared ranking rule, the final standings, awards proposed from them (with
organisers' overrides, each with a reason), and publication: a results table whose SHA-256
anyone can check, the methods text generated from the challenge, and the public page.

final = w_jury · jury score + w_public · vote share, both on 0–1 as DOMAIN.md "The numbers,
exactly" defines them: the jury score is the entry's score in the jury round (normalised or
raw as that round declares), from `scoring.round_scores`; the vote share is the entry's
counted votes over all counted votes for entries on the ballot (within its category when
results are per category). Held and discarded votes never count. Ties follow the jury
round's declared tie-breaks (`ranking.order_by_score`).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit.service import changes, record, snapshot
from app.challenges.access import ChallengeAccess
from app.core.collector import collector_paused
from app.core.db import utcnow
from app.core.errors import BadRequest, Conflict, NotFound, Unprocessable
from app.core.pagination import page_of
from app.exports.csvfile import csv_text
from app.judging.ranking import declared_tie_breaks, entry_labels, order_by_score
from app.judging.scoring import EntryScore, round_scores
from app.models import (
    Award,
    AwardTier,
    Challenge,
    Criterion,
    Eligibility,
    Entry,
    EntryStatus,
    Judge,
    JudgeStatus,
    Publication,
    ResultsRules,
    Round,
    User,
    Vote,
    VoteStatus,
)
from app.voting.service import BallotPage, ballot_entry, ballot_filter, entry_page
from app.voting.service import rules_of as voting_rules_of

RULE_FIELDS = ("jury_round_id", "w_jury", "w_public", "per_category", "peoples_choice")
TIER_LABELS = {
    AwardTier.winner: "Winner",
    AwardTier.second: "Second place",
    AwardTier.third: "Third place",
    AwardTier.honourable_mention: "Honourable mention",
    AwardTier.peoples_choice: "People's choice",
    AwardTier.finalist: "Finalist",
    AwardTier.custom: "Award",
}
PLACES = (AwardTier.winner, AwardTier.second, AwardTier.third)


# --- Bodies ---------------------------------------------------------------------------------


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    jury_round_id: int | None = Field(default=None, description="null: the last scoring round")
    w_jury: float | None = Field(default=None, ge=0, le=1)
    w_public: float | None = Field(default=None, ge=0, le=1)
    per_category: bool | None = None
    peoples_choice: bool | None = None
    reason: str | None = Field(
        default=None,
        min_length=3,
        max_length=500,
        description="required once declared rules are in force",
    )


class RulesPublic(BaseModel):
    jury_round_id: int | None
    w_jury: float
    w_public: float
    per_category: bool
    peoples_choice: bool
    frozen: bool = Field(description="voting or the jury round has opened: changes need a reason")


class Standing(BaseModel):
    entry_id: int
    reference: str | None
    title: str
    category: str | None
    position: int
    jury: float | None = Field(description="jury score on 0–1")
    votes: int
    share: float | None = Field(description="vote share on 0–1")
    final: float | None
    tie_resolved_by: str | None


class Standings(BaseModel):
    rules: RulesPublic
    jury_round_id: int | None
    groups: dict[str, list[Standing]] = Field(
        description="by category ('' when overall): a page of each group, or of the one asked"
    )
    group_totals: dict[str, int] = Field(description="how many entries each group ranks")
    next_cursors: dict[str, str | None] = Field(
        description="each group's cursor for its next page (with `group`); null on its last"
    )


def standings_page(
    table: Standings, *, limit: int, group: str | None, cursor: str | None
) -> Standings:
    """A page of the standings: the first `limit` of every group, or, with `group`, the page
    of that group at `cursor`. The totals always cover every group."""
    if group is None:
        if cursor:
            raise BadRequest(
                "a cursor pages one group: give the group too", field="group", code="missing_group"
            )
        pages = {key: page_of(rows, limit, None) for key, rows in table.groups.items()}
    elif group not in table.groups:
        raise BadRequest(
            "no such group in the standings; use a key of `group_totals`",
            field="group",
            code="unknown_group",
        )
    else:
        pages = {group: page_of(table.groups[group], limit, cursor)}
    return table.model_copy(
        update={
            "groups": {key: rows for key, (rows, _) in pages.items()},
            "next_cursors": {key: after for key, (_, after) in pages.items()},
        }
    )


class AwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_id: int
    tier: AwardTier
    label: str = Field(default="", max_length=200)
    category: str | None = Field(default=None, max_length=200)
    reason: str = Field(min_length=3, max_length=500, description="why, against the proposal")


class AwardPublic(BaseModel):
    id: int
    entry_id: int
    reference: str | None
    title: str
    tier: AwardTier
    tier_label: str
    category: str | None
    override_reason: str | None


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(
        default=None,
        min_length=3,
        max_length=500,
        description="required to publish a changed version",
    )


class UnpublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=500)


class PublicationPublic(BaseModel):
    version: int
    published_at: datetime
    sha256: str
    methods: str
    changes: str
    table_url: str


class Winner(BaseModel):
    tier: AwardTier
    tier_label: str
    category: str | None
    entry_id: int
    reference: str | None
    title: str
    summary: str
    licence: str
    answers: list[dict[str, Any]]


class ResultsPublic(BaseModel):
    challenge_slug: str
    challenge_title: str
    publication: PublicationPublic
    awards: list[Winner]
    history: list[dict[str, Any]] = Field(description="earlier versions: version, date, changes")


# --- Rules ----------------------------------------------------------------------------------


def rules_of(session: Session, challenge: Challenge) -> ResultsRules:
    assert challenge.id is not None
    rules = session.get(ResultsRules, challenge.id)
    return rules if rules is not None else ResultsRules(challenge_id=challenge.id)


def jury_round(session: Session, challenge: Challenge, rules: ResultsRules) -> Round | None:
    if rules.jury_round_id is not None:
        return session.get(Round, rules.jury_round_id)
    return session.exec(
        select(Round)
        .where(Round.challenge_id == challenge.id)
        .order_by(col(Round.position).desc())
        .limit(1)
    ).first()


def _frozen(session: Session, challenge: Challenge, rules: ResultsRules) -> bool:
    now = utcnow()
    if challenge.voting_opens_at is not None and now >= challenge.voting_opens_at:
        return True
    round_ = jury_round(session, challenge, rules)
    return round_ is not None and round_.opens_at is not None and now >= round_.opens_at


def rules_public(session: Session, challenge: Challenge, rules: ResultsRules) -> RulesPublic:
    return RulesPublic(frozen=_frozen(session, challenge, rules), **snapshot(rules, RULE_FIELDS))


def update_rules(session: Session, access: ChallengeAccess, body: RulesIn) -> ResultsRules:
    """Declare the ranking rule (audited); once voting or the jury round has opened, only
    with a reason."""
    actor = access.need_organiser()
    challenge = access.challenge
    rules = rules_of(session, challenge)
    if _frozen(session, challenge, rules) and not body.reason:
        raise Conflict(
            "Voting or the jury round has opened: give the reason for changing the ranking "
            "rule; it is kept in the audit log.",
            field="reason",
            code="results_rules_frozen",
        )
    before = snapshot(rules, RULE_FIELDS)
    for name, value in body.model_dump(exclude_unset=True, exclude={"reason"}).items():
        if value is None and name != "jury_round_id":
            raise Unprocessable(f"{name}: may not be null", field=name)
        setattr(rules, name, value)
    if rules.jury_round_id is not None:
        round_ = session.get(Round, rules.jury_round_id)
        if round_ is None or round_.challenge_id != challenge.id:
            raise Unprocessable(
                "jury_round_id: name a round of this challenge", field="jury_round_id"
            )
    if rules.w_jury + rules.w_public <= 0:
        raise Unprocessable("w_jury: the weights cannot both be 0", field="w_jury")
    rules.updated_at = utcnow()
    session.add(rules)
    old, new = changes(before, snapshot(rules, RULE_FIELDS))
    if new:
        record(
            session,
            actor=actor,
            action="results.rules",
            object_type="challenge",
            object_id=challenge.id,
            challenge_id=challenge.id,
            before=old,
            after=new,
            reason=body.reason,
        )
    session.commit()
    session.refresh(rules)
    return rules


# --- Standings ------------------------------------------------------------------------------


def _counted_votes(session: Session, challenge: Challenge) -> dict[int, int]:
    rules = voting_rules_of(session, challenge)
    if not rules.enabled:
        return {}
    rows = session.exec(
        select(col(Vote.entry_id), func.count(col(Vote.id)))
        .join(Entry, col(Entry.id) == col(Vote.entry_id))
        .where(
            Vote.challenge_id == challenge.id,
            Vote.status == VoteStatus.counted,
            ballot_filter(challenge, rules),
        )
        .group_by(col(Vote.entry_id))
    ).all()
    return dict(rows)


@collector_paused()
def standings(session: Session, challenge: Challenge) -> Standings:
    """The final ranking under the declared rule, per category when declared."""
    rules = rules_of(session, challenge)
    round_ = jury_round(session, challenge, rules)
    votes = _counted_votes(session, challenge)
    scores: dict[int, EntryScore] = {}
    base = None
    if round_ is not None and round_.id is not None:
        base = round_scores(session, round_.id, with_criteria=True)
        scores = {e.entry_id: e for e in base.entries}
    ids = set(scores) if rules.w_jury > 0 and scores else set(votes)
    if rules.w_public > 0 or not scores:
        ids |= set(votes)
    entries = entry_labels(session, challenge.id or 0, ids)
    groups: dict[str, list[int]] = {}
    for entry_id in sorted(ids):
        key = (entries[entry_id].category or "") if rules.per_category else ""
        groups.setdefault(key, []).append(entry_id)
    result: dict[str, list[Standing]] = {}
    tie_breaks = declared_tie_breaks(round_) if round_ is not None else [{"kind": "organiser"}]
    for key, members in sorted(groups.items()):
        total = sum(votes.get(i, 0) for i in members)
        finals: list[EntryScore] = []
        shares: dict[int, float | None] = {}
        for i in members:
            jury = scores[i].score if i in scores else None
            share = votes.get(i, 0) / total if total else None
            shares[i] = share
            final: float | None
            if rules.w_public == 0:
                final = None if jury is None else rules.w_jury * jury
            elif rules.w_jury == 0:
                final = share
            else:
                final = (
                    None if jury is None else rules.w_jury * jury + rules.w_public * (share or 0.0)
                )
            template = scores.get(i) or EntryScore(
                i, None, 0, None, None, None, None, None, None, None, False
            )
            finals.append(replace(template, score=final))
        placed = order_by_score(
            replace(base, entries=finals) if base else _bare(finals), tie_breaks, []
        )
        result[key] = [
            Standing(
                entry_id=p.score.entry_id,
                reference=entries[p.score.entry_id].reference,
                title=entries[p.score.entry_id].title,
                category=entries[p.score.entry_id].category,
                position=n,
                jury=scores[p.score.entry_id].score if p.score.entry_id in scores else None,
                votes=votes.get(p.score.entry_id, 0),
                share=shares[p.score.entry_id],
                final=p.score.score,
                tie_resolved_by=p.resolved_by if p.tie_with else None,
            )
            for n, p in enumerate(placed, start=1)
        ]
    return Standings(
        rules=rules_public(session, challenge, rules),
        jury_round_id=round_.id if round_ else None,
        groups=result,
        group_totals={key: len(rows) for key, rows in result.items()},
        next_cursors={key: None for key in result},
    )


def _bare(entries: list[EntryScore]) -> Any:
    """A stand-in for a round's scores when there is no jury round (a public vote only)."""
    from app.judging.scoring import RoundScores

    return RoundScores(0, False, 1.0, None, entries, [], None, 0, None, None)


# --- Awards ---------------------------------------------------------------------------------


def propose_awards(
    session: Session, challenge: Challenge
) -> list[tuple[int, AwardTier, str | None]]:
    """From the standings: winner, second and third per group; the entries the jury round
    advanced (or, without such, the rest of the top ten) as finalists; and, where declared,
    a people's choice for the most counted votes in each group (ties: the better standing)."""
    rules = rules_of(session, challenge)
    table = standings(session, challenge)
    round_ = jury_round(session, challenge, rules)
    advanced: set[int] = set()
    if round_ is not None and round_.advanced_at is not None:
        from app.models import RoundEntry

        advanced = set(
            session.exec(
                select(RoundEntry.entry_id).where(
                    RoundEntry.round_id == round_.id, col(RoundEntry.advanced).is_(True)
                )
            ).all()
        )
    proposal: list[tuple[int, AwardTier, str | None]] = []
    for key, rows in table.groups.items():
        category = key or None
        ranked = [r for r in rows if r.final is not None]
        for tier, row in zip(PLACES, ranked, strict=False):
            proposal.append((row.entry_id, tier, category))
        placed = {r.entry_id for r in ranked[: len(PLACES)]}
        finalists = [
            r
            for r in ranked[len(PLACES) :]
            if (r.entry_id in advanced if advanced else r.position <= 10)
        ]
        proposal.extend(
            (r.entry_id, AwardTier.finalist, category)
            for r in finalists
            if r.entry_id not in placed
        )
        if rules.peoples_choice:
            voted = [r for r in rows if r.votes > 0]
            if voted:
                best = max(voted, key=lambda r: (r.votes, -r.position))
                proposal.append((best.entry_id, AwardTier.peoples_choice, category))
    return proposal


def _award_public(award: Award, entry: Entry) -> AwardPublic:
    assert award.id is not None
    return AwardPublic(
        id=award.id,
        entry_id=award.entry_id,
        reference=entry.reference,
        title=entry.title,
        tier=award.tier,
        tier_label=award.label or TIER_LABELS[award.tier],
        category=award.category,
        override_reason=award.override_reason,
    )


def awards(session: Session, challenge: Challenge) -> list[AwardPublic]:
    order = {t: i for i, t in enumerate(AwardTier)}
    rows = session.exec(
        select(Award, Entry)
        .join(Entry, col(Entry.id) == col(Award.entry_id))
        .where(Award.challenge_id == challenge.id)
    ).all()
    rows = sorted(rows, key=lambda r: (r[0].category or "", order[r[0].tier], r[0].id or 0))
    return [_award_public(a, e) for a, e in rows]


def apply_proposal(session: Session, access: ChallengeAccess) -> list[AwardPublic]:
    """Replace the awards with the ranking's proposal (audited)."""
    actor = access.need_organiser()
    challenge = access.challenge
    assert challenge.id is not None
    proposal = propose_awards(session, challenge)
    for award in session.exec(select(Award).where(Award.challenge_id == challenge.id)).all():
        session.delete(award)
    session.flush()
    for entry_id, tier, category in proposal:
        session.add(
            Award(challenge_id=challenge.id, entry_id=entry_id, tier=tier, category=category)
        )
    record(
        session,
        actor=actor,
        action="awards.propose",
        object_type="challenge",
        object_id=challenge.id,
        challenge_id=challenge.id,
        after={"awards": [[e, t.value, c] for e, t, c in proposal]},
    )
    session.commit()
    return awards(session, challenge)


def add_award(session: Session, access: ChallengeAccess, body: AwardIn) -> AwardPublic:
    """An award against the proposal, with the reason (audited)."""
    actor = access.need_organiser()
    challenge = access.challenge
    assert challenge.id is not None
    entry = session.get(Entry, body.entry_id)
    if (
        entry is None
        or entry.challenge_id != challenge.id
        or entry.status != EntryStatus.submitted
        or entry.eligibility != Eligibility.eligible
    ):
        raise NotFound("No such eligible entry in this challenge.", field="entry_id")
    if body.tier == AwardTier.custom and not body.label.strip():
        raise Unprocessable("label: name the custom award", field="label")
    if body.category is not None and body.category not in challenge.categories:
        raise Unprocessable("category: not one of this challenge's categories", field="category")
    duplicate = session.exec(
        select(Award.id).where(
            Award.challenge_id == challenge.id,
            Award.entry_id == entry.id,
            Award.tier == body.tier,
            Award.category == body.category
            if body.category is not None
            else col(Award.category).is_(None),
        )
    ).first()
    if duplicate:
        raise Conflict("This entry has this award already.", field="tier", code="award_exists")
    award = Award(
        challenge_id=challenge.id,
        entry_id=body.entry_id,
        tier=body.tier,
        label=body.label.strip(),
        category=body.category,
        override_reason=body.reason,
    )
    session.add(award)
    session.flush()
    record(
        session,
        actor=actor,
        action="award.add",
        object_type="award",
        object_id=award.id,
        challenge_id=challenge.id,
        after={"entry_id": entry.id, "tier": body.tier.value, "category": body.category},
        reason=body.reason,
    )
    session.commit()
    return _award_public(award, entry)


def remove_award(
    session: Session, access: ChallengeAccess, award_id: int, reason: str | None
) -> None:
    actor = access.need_organiser()
    award = session.get(Award, award_id)
    if award is None or award.challenge_id != access.challenge.id:
        raise NotFound("No such award.")
    if not reason or len(reason.strip()) < 3:
        raise Unprocessable("reason: say why the award goes (3 characters or more)", field="reason")
    record(
        session,
        actor=actor,
        action="award.remove",
        object_type="award",
        object_id=award.id,
        challenge_id=access.challenge.id,
        before={"entry_id": award.entry_id, "tier": award.tier.value, "category": award.category},
        reason=reason,
    )
    session.delete(award)
    session.commit()


# --- Publication ----------------------------------------------------------------------------

TABLE_COLUMNS = (
    "category",
    "position",
    "reference",
    "title",
    "awards",
    "jury_score",
    "votes",
    "vote_share",
    "final_score",
)


def table_rows(session: Session, challenge: Challenge) -> list[tuple[Any, ...]]:
    """The results table's rows (TABLE_COLUMNS): every ranked entry, its awards and its
    numbers at full precision."""
    table = standings(session, challenge)
    by_entry: dict[int, list[str]] = {}
    for award in awards(session, challenge):
        by_entry.setdefault(award.entry_id, []).append(award.tier_label)
    return [
        (
            key,
            r.position,
            r.reference,
            r.title,
            "; ".join(by_entry.get(r.entry_id, [])),
            r.jury,
            r.votes,
            r.share,
            r.final,
        )
        for key, rows in table.groups.items()
        for r in rows
    ]


def results_table(session: Session, challenge: Challenge) -> str:
    """The results table as published (RFC 4180, UTF-8, CRLF between records)."""
    return csv_text(TABLE_COLUMNS, table_rows(session, challenge))


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def methods_text(session: Session, challenge: Challenge) -> str:
    """How the contest was run, in plain words, from what the challenge declared and did."""
    assert challenge.id is not None
    received = session.exec(
        select(func.count())
        .select_from(Entry)
        .where(Entry.challenge_id == challenge.id, col(Entry.submitted_at).is_not(None))
    ).one()
    eligible = session.exec(
        select(func.count())
        .select_from(Entry)
        .where(
            Entry.challenge_id == challenge.id,
            Entry.status == EntryStatus.submitted,
            Entry.eligibility == Eligibility.eligible,
        )
    ).one()
    day = "%d %B %Y"
    lines = [f"Methods: {challenge.title}", ""]
    if challenge.opens_at and challenge.closes_at:
        lines.append(
            f"The call was open from {challenge.opens_at.strftime(day)} to "
            f"{challenge.closes_at.strftime(day)} ({challenge.timezone})."
        )
    lines.append(f"{received} entries were received and {eligible} were found eligible.")
    rounds = session.exec(
        select(Round).where(Round.challenge_id == challenge.id).order_by(col(Round.position))
    ).all()
    panel = session.exec(
        select(Judge).where(Judge.challenge_id == challenge.id, Judge.status == JudgeStatus.active)
    ).all()
    if panel:
        tags = Counter(t for j in panel for t in j.tags)
        by_tag = ", ".join(f"{n} {t}" for t, n in sorted(tags.items())) or "no perspective tags"
        lines.append(f"The judging panel had {len(panel)} judges ({by_tag}).")
    for r in rounds:
        criteria = session.exec(
            select(Criterion).where(Criterion.round_id == r.id).order_by(col(Criterion.position))
        ).all()
        total = sum(c.weight for c in criteria) or 1.0
        described = "; ".join(
            f"{c.name} (weight {_pct(c.weight / total)}, {c.scale_min:g}–{c.scale_max:g}"
            f"{', N/A allowed' if c.allow_na else ''})"
            for c in criteria
        )
        rule = r.advancement or {"kind": "manual"}
        advance = {
            "top_n": f"the top {rule.get('n')} entries advanced",
            "top_n_per_category": f"the top {rule.get('n')} entries in each category advanced",
            "threshold": f"entries scoring at least {rule.get('threshold')} advanced",
            "manual": "the organisers chose who advanced",
        }[rule.get("kind", "manual")]
        ties = ", then ".join(
            {
                "criterion": "the mean on a named criterion",
                "scorecards": "the number of scorecards",
                "organiser": "the organisers' recorded choice",
            }[t["kind"]]
            for t in declared_tie_breaks(r)
        )
        lines.append(
            f"{r.name}: {'blind' if r.blind else 'open'} judging, {r.judges_per_entry} judges per "
            f"entry, criteria {described}. Scorecard scores are weighted means on 0–1; "
            + (
                "each judge's scores were normalised (z-scores rescaled to the round's mean and "
                "SD; judges with fewer than 2 scorecards or no spread kept raw scores). "
                if r.normalise
                else "scores were not normalised. "
            )
            + f"Ties were broken by {ties}; {advance}."
        )
    vrules = voting_rules_of(session, challenge)
    if vrules.enabled:
        counted = session.exec(
            select(func.count())
            .select_from(Vote)
            .where(Vote.challenge_id == challenge.id, Vote.status == VoteStatus.counted)
        ).one()
        held = session.exec(
            select(func.count())
            .select_from(Vote)
            .where(Vote.challenge_id == challenge.id, Vote.status != VoteStatus.counted)
        ).one()
        window = ""
        if challenge.voting_opens_at and challenge.voting_closes_at:
            window = (
                f" from {challenge.voting_opens_at.strftime(day)} to "
                f"{challenge.voting_closes_at.strftime(day)}"
            )
        lines.append(
            f"Public voting ran{window}: {vrules.votes_per_voter} vote(s) per voter"
            f"{', one per category' if vrules.one_per_category else ''}"
            f"{', verified e-mail required' if vrules.require_verified else ''}"
            f"{'' if vrules.allow_self_vote else ', no votes for one own entry'}. "
            f"{counted} votes were counted; {held} were held for review and not counted."
        )
    rules = rules_of(session, challenge)
    lines.append(
        f"Final score = {rules.w_jury:g} × jury score (0–1) + {rules.w_public:g} × vote share "
        f"(0–1){', ranked within each category' if rules.per_category else ''}."
        + (
            " A separate people's choice award goes to the most counted votes."
            if rules.peoples_choice
            else ""
        )
    )
    return "\n".join(lines) + "\n"


def _changes_against(previous: Publication | None, table: str) -> str:
    if previous is None:
        return ""

    def rows(text: str) -> dict[str, list[str]]:
        return {
            r["reference"]: [r["awards"], r["position"], r["final_score"]]
            for r in csv.DictReader(io.StringIO(text))
        }

    old, new = rows(previous.table_csv), rows(table)
    notes = []
    for ref in sorted(old.keys() | new.keys()):
        if ref not in new:
            notes.append(f"{ref} removed")
        elif ref not in old:
            notes.append(f"{ref} added")
        elif old[ref] != new[ref]:
            notes.append(
                f"{ref}: awards '{old[ref][0]}' → '{new[ref][0]}', position {old[ref][1]} → {new[ref][1]}"
                if old[ref][:2] != new[ref][:2]
                else f"{ref}: final score {old[ref][2]} → {new[ref][2]}"
            )
    return "; ".join(notes) or "No change to the results table."


def latest(session: Session, challenge: Challenge) -> Publication | None:
    return session.exec(
        select(Publication)
        .where(Publication.challenge_id == challenge.id)
        .order_by(col(Publication.version).desc())
        .limit(1)
    ).first()


def publish(session: Session, access: ChallengeAccess, body: PublishIn) -> Publication:
    """Publish the results: the table (its SHA-256 kept), the methods text, the public page.
    A later version says what changed and needs a reason (audited)."""
    actor = access.need_organiser()
    challenge = access.challenge
    assert challenge.id is not None
    if not session.exec(select(Award.id).where(Award.challenge_id == challenge.id)).first():
        raise Conflict("Propose or add the awards before publishing.", code="no_awards")
    previous = latest(session, challenge)
    if previous is not None and not body.reason:
        raise Unprocessable(
            "reason: results were published before; say why this version replaces them",
            field="reason",
        )
    table = results_table(session, challenge)
    publication = Publication(
        challenge_id=challenge.id,
        version=(previous.version + 1) if previous else 1,
        table_csv=table,
        sha256=hashlib.sha256(table.encode()).hexdigest(),
        methods=methods_text(session, challenge),
        changes=_changes_against(previous, table),
        published_by_id=actor.id,
    )
    session.add(publication)
    if previous is not None and previous.withdrawn_at is None:
        previous.withdrawn_at = utcnow()
        previous.withdrawn_reason = f"replaced by version {publication.version}"
        session.add(previous)
    challenge.results_published_at = utcnow()
    session.add(challenge)
    session.flush()
    record(
        session,
        actor=actor,
        action="results.publish",
        object_type="publication",
        object_id=publication.id,
        challenge_id=challenge.id,
        after={"version": publication.version, "sha256": publication.sha256},
        reason=body.reason,
    )
    session.commit()
    session.refresh(publication)
    return publication


def unpublish(session: Session, access: ChallengeAccess, body: UnpublishIn) -> None:
    actor = access.need_organiser()
    challenge = access.challenge
    current = latest(session, challenge)
    if current is None or current.withdrawn_at is not None:
        raise Conflict("No results are published.", code="not_published")
    current.withdrawn_at = utcnow()
    current.withdrawn_reason = body.reason
    challenge.results_published_at = None
    session.add(current)
    session.add(challenge)
    record(
        session,
        actor=actor,
        action="results.unpublish",
        object_type="publication",
        object_id=current.id,
        challenge_id=challenge.id,
        after={"version": current.version},
        reason=body.reason,
    )
    session.commit()


def published(session: Session, challenge: Challenge) -> Publication:
    current = latest(session, challenge)
    if current is None or current.withdrawn_at is not None:
        raise NotFound("No results are published for this challenge.")
    return current


def public_results(session: Session, challenge: Challenge) -> ResultsPublic:
    """The public results page: awards with each entry's public fields, the methods, the
    table's hash and the versions before."""
    current = published(session, challenge)
    winners = []
    for award in awards(session, challenge):
        entry = session.get(Entry, award.entry_id)
        assert entry is not None
        shown = ballot_entry(session, challenge, entry)
        winners.append(
            Winner(
                tier=award.tier,
                tier_label=award.tier_label,
                category=award.category,
                entry_id=entry.id or 0,
                reference=entry.reference,
                title=entry.title,
                summary=entry.summary,
                licence=shown.licence,
                answers=[a.model_dump() for a in shown.answers],
            )
        )
    history = session.exec(
        select(Publication)
        .where(Publication.challenge_id == challenge.id, Publication.version < current.version)
        .order_by(col(Publication.version).desc())
    ).all()
    return ResultsPublic(
        challenge_slug=challenge.slug,
        challenge_title=challenge.title,
        publication=PublicationPublic(
            version=current.version,
            published_at=current.published_at,
            sha256=current.sha256,
            methods=current.methods,
            changes=current.changes,
            table_url=f"/api/challenges/{challenge.slug}/results.csv",
        ),
        awards=winners,
        history=[
            {
                "version": p.version,
                "published_at": p.published_at,
                "sha256": p.sha256,
                "changes": p.changes,
            }
            for p in history
        ],
    )


def certificate(session: Session, user: User | None, award_id: int) -> dict[str, Any]:
    """A printable certificate: for the entrant and the organisers once results are out."""
    award = session.get(Award, award_id)
    challenge = session.get(Challenge, award.challenge_id) if award else None
    entry = session.get(Entry, award.entry_id) if award else None
    if award is None or challenge is None or entry is None:
        raise NotFound("No such award.")
    access = ChallengeAccess(session, challenge, user)
    if not (access.organiser or (user is not None and entry.owner_id == user.id)):
        raise NotFound("No such award.")
    published(session, challenge)
    owner = session.get(User, entry.owner_id) if entry.owner_id else None
    from app.entries.views import team_of

    return {
        "challenge_title": challenge.title,
        "tier_label": award.label or TIER_LABELS[award.tier],
        "category": award.category,
        "reference": entry.reference,
        "title": entry.title,
        "names": [n for n in [owner.display_name if owner else entry.submitter_name] if n]
        + [m.name for m in team_of(session, entry.id or 0)],
        "date": (challenge.results_published_at or utcnow()).date().isoformat(),
    }


def gallery(
    session: Session,
    challenge: Challenge,
    *,
    q: str | None,
    category: str | None,
    offset: int,
    limit: int,
) -> BallotPage:
    """Once results are out: every eligible entry whose entrant accepted the licence (and
    so consented to sharing), public fields only."""
    if challenge.results_published_at is None:
        return BallotPage(items=[], total=0, next_offset=None)
    shared = (
        (col(Entry.challenge_id) == challenge.id)
        & (col(Entry.status) == EntryStatus.submitted)
        & (col(Entry.eligibility) == Eligibility.eligible)
        & col(Entry.licence_accepted).is_(True)
    )
    return entry_page(
        session, challenge, shared, q=q, category=category, offset=offset, limit=limit
    )


class EntryAward(BaseModel):
    id: int
    tier: AwardTier
    tier_label: str
    category: str | None
    certificate_url: str


def entry_awards(session: Session, entry: Entry) -> list[EntryAward]:
    """The entry's awards, once the results are published (none before)."""
    challenge = session.get(Challenge, entry.challenge_id)
    if challenge is None or challenge.results_published_at is None:
        return []
    return [
        EntryAward(
            id=a.id,
            tier=a.tier,
            tier_label=a.tier_label,
            category=a.category,
            certificate_url=f"/certificate.html?award={a.id}",
        )
        for a in awards(session, challenge)
        if a.entry_id == entry.id
    ]
