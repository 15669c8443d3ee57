"""Date-driven messages, scheduled from each call's dates and sent once.

`schedule_due` looks at every published call and queues what is due *now*: deadline
reminders (7 days and 24 hours before, to people with unsubmitted drafts), a reminder for a
draft left alone for three days, a judge's message when a round opens with entries for them
(and one for each entry given to them later), reminders of scorecards due (3 days and 24 hours
before a round closes), voting open, results and awards when published, and each organiser's
daily digest.

Nothing is stored ahead of time, so moving a date moves its messages: a reminder is queued
only once the present moment is inside its window, measured from the date as it is now. Each
message's idempotency key names the event, the date it was computed from and the recipient;
the database takes a key once, so a second scheduler, a restart or a re-run queues nothing
twice. A moved deadline is a new event: its reminders go out again, for the new date.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.challenges.phase import deadline as deadline_of
from app.core.config import Settings
from app.core.db import in_parts, utcnow
from app.mail.messages import entry_link, when
from app.mail.outbox import Notice, queue_mail, used_keys
from app.models import (
    Assignment,
    Award,
    Challenge,
    ChallengeRole,
    Eligibility,
    Entry,
    EntryStatus,
    Judge,
    JudgeStatus,
    Membership,
    OutboxMessage,
    Publication,
    Round,
    Scorecard,
    ScorecardStatus,
    User,
    Vote,
    VoteStatus,
    VotingRules,
)

log = logging.getLogger("opencall.mail")

DAY = timedelta(days=1)
DEADLINE_WINDOWS = (("7d", "7 days", 7 * DAY, DAY), ("24h", "24 hours", DAY, timedelta(0)))
JUDGE_WINDOWS = (("3d", "3 days", 3 * DAY, DAY), ("24h", "24 hours", DAY, timedelta(0)))
DRAFT_IDLE = 3 * DAY
DIGEST_HOUR = 8  # the digest goes out from 08:00 in the call's time zone


@dataclass
class Run:
    session: Session
    settings: Settings
    challenge: Challenge
    now: datetime
    queued: int = 0

    @property
    def cid(self) -> int:
        assert self.challenge.id is not None
        return self.challenge.id

    def when(self, moment: datetime) -> str:
        return when(moment, self.challenge.timezone)

    def send(
        self, user: User, key: str, template: str, context: dict[str, Any], notice: Notice
    ) -> None:
        message = queue_mail(
            self.session,
            self.settings,
            template=template,
            to_address=user.email,
            user_id=user.id,
            challenge_id=self.cid,
            language=user.language,
            idempotency_key=key,
            context={"name": user.display_name, "challenge_title": self.challenge.title, **context},
            notice=notice,
        )
        self.queued += message is not None


def fresh(session: Session, keys: Iterable[str]) -> set[str]:
    """The keys not used yet, by a message or a notice."""
    wanted = set(keys)
    return wanted - used_keys(session, wanted)


def _window(now: datetime, moment: datetime, start: timedelta, end: timedelta) -> bool:
    """Whether `now` is at most `start` and more than `end` before `moment`."""
    return moment - start <= now < moment - end


def _users(session: Session, ids: Iterable[int]) -> dict[int, User]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {
        u.id: u
        for part in in_parts(wanted)
        for u in session.scalars(
            select(User).where(col(User.id).in_(part), col(User.is_active).is_(True))
        )
        if u.id is not None
    }


def deadline_reminders(run: Run) -> None:
    """7 days and 24 hours before the deadline, to everyone with a draft not submitted."""
    due = deadline_of(run.challenge)
    if due is None or run.challenge.closed_at is not None:
        return
    window = next((w for w in DEADLINE_WINDOWS if _window(run.now, due, w[2], w[3])), None)
    if window is None:
        return
    label, left, _start, _end = window
    drafts: dict[int, list[str]] = defaultdict(list)
    for owner, title in run.session.execute(
        select(col(Entry.owner_id), col(Entry.title))
        .where(
            col(Entry.challenge_id) == run.cid,
            col(Entry.status) == EntryStatus.draft,
            col(Entry.owner_id).is_not(None),
        )
        .order_by(col(Entry.id))
    ):
        drafts[owner].append(title or "(untitled draft)")
    keys = {u: f"deadline-{label}:{run.cid}:{due.isoformat()}:{u}" for u in drafts}
    new = fresh(run.session, keys.values())
    users = _users(run.session, [u for u, k in keys.items() if k in new])
    for user_id, user in users.items():
        titles = drafts[user_id]
        run.send(
            user,
            keys[user_id],
            "deadline_reminder",
            {
                "deadline": run.when(due),
                "left": left,
                "drafts": len(titles),
                "titles": titles,
                "link": f"{run.settings.base_url}/my-entries.html",
            },
            Notice(
                title=f"{left} left to submit to “{run.challenge.title}”",
                body=f"{len(titles)} draft(s) not submitted yet.",
                link="/my-entries.html",
            ),
        )


def draft_reminders(run: Run) -> None:
    """One reminder per draft left alone for three days, while more than a day remains
    (the deadline reminders take over in the last day)."""
    due = deadline_of(run.challenge)
    if due is None or run.challenge.closed_at is not None or run.now >= due - DAY:
        return
    rows = run.session.execute(
        select(col(Entry.id), col(Entry.owner_id)).where(
            col(Entry.challenge_id) == run.cid,
            col(Entry.status) == EntryStatus.draft,
            col(Entry.owner_id).is_not(None),
            col(Entry.updated_at) <= run.now - DRAFT_IDLE,
        )
    ).all()
    keys = {entry_id: f"draft:{entry_id}" for entry_id, _owner in rows}
    new = fresh(run.session, keys.values())
    owners = {entry_id: owner for entry_id, owner in rows if keys[entry_id] in new}
    users = _users(run.session, owners.values())
    entries = {
        e.id: e
        for part in in_parts(owners)
        for e in run.session.scalars(select(Entry).where(col(Entry.id).in_(part)))
    }
    for entry_id, owner in owners.items():
        user, entry = users.get(owner), entries.get(entry_id)
        if user is None or entry is None:
            continue
        run.send(
            user,
            keys[entry_id],
            "draft_reminder",
            {
                "title": entry.title or "your draft",
                "deadline": run.when(due),
                "link": entry_link(run.settings, entry),
            },
            Notice(
                title=f"Your draft for “{run.challenge.title}” is waiting",
                body=entry.title,
                link=f"/entry.html?id={entry_id}",
            ),
        )


def _open_rounds(run: Run) -> list[Round]:
    return [
        r
        for r in run.session.scalars(
            select(Round).where(col(Round.challenge_id) == run.cid).order_by(col(Round.position))
        )
        if r.advanced_at is None
        and r.opens_at is not None
        and r.opens_at <= run.now
        and (r.closes_at is None or run.now < r.closes_at)
    ]


def _judges(run: Run) -> dict[int, tuple[Judge, User]]:
    rows = run.session.execute(
        select(Judge, User)
        .join(User, col(User.id) == col(Judge.user_id))
        .where(
            col(Judge.challenge_id) == run.cid,
            col(Judge.status) == JudgeStatus.active,
            col(User.is_active).is_(True),
        )
    ).all()
    return {j.id: (j, u) for j, u in rows if j.id is not None}


def round_messages(run: Run) -> None:
    """When a round opens: each judge with entries in it is told how many; an entry given to
    a judge after that (another judge's conflict or withdrawal) is told on its own. Then the
    reminders of scorecards still due, 3 days and 24 hours before the round closes."""
    rounds = _open_rounds(run)
    if not rounds:
        return
    judges = _judges(run)
    link = f"{run.settings.base_url}/judging.html"
    for round_ in rounds:
        assert round_.id is not None
        closes = run.when(round_.closes_at) if round_.closes_at else None
        rows = run.session.execute(
            sa_select(
                col(Assignment.id),
                col(Assignment.judge_id),
                col(Assignment.created_at),
                col(Entry.reference),
                col(Scorecard.status),
            )
            .join(Entry, col(Entry.id) == col(Assignment.entry_id))
            .outerjoin(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id))
            .where(col(Assignment.round_id) == round_.id)
            .order_by(col(Assignment.id))
        ).all()
        by_judge: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            if row[1] in judges:
                by_judge[row[1]].append(row)
        open_keys = {j: f"round-open:{round_.id}:{j}" for j in by_judge}
        opened = set(open_keys.values()) - fresh(run.session, open_keys.values())
        announced_at = dict(
            run.session.execute(
                select(col(OutboxMessage.idempotency_key), col(OutboxMessage.created_at)).where(
                    col(OutboxMessage.idempotency_key).in_(list(opened))
                )
            ).all()
        )
        for judge_id, items in by_judge.items():
            _judge, user = judges[judge_id]
            key = open_keys[judge_id]
            if key not in opened:
                run.send(
                    user,
                    key,
                    "judge_round_open",
                    {
                        "round_name": round_.name,
                        "count": len(items),
                        "closes_at": closes,
                        "link": link,
                    },
                    Notice(
                        title=f"{round_.name} is open: {len(items)} entries for you",
                        link="/judging.html",
                    ),
                )
                continue
            since = announced_at.get(key)
            later = [i for i in items if since is None or i[2] > since]
            later_keys = {i[0]: f"assigned:{i[0]}" for i in later}
            new = fresh(run.session, later_keys.values())
            for assignment_id, _j, _at, reference, _status in later:
                if later_keys[assignment_id] not in new:
                    continue
                run.send(
                    user,
                    later_keys[assignment_id],
                    "conflict_reassignment",
                    {
                        "round_name": round_.name,
                        "reference": reference or "",
                        "closes_at": closes,
                        "link": link,
                    },
                    Notice(
                        title=f"Entry {reference} was given to you to score", link="/judging.html"
                    ),
                )
        _scorecards_due(run, round_, by_judge, judges)


def _scorecards_due(
    run: Run, round_: Round, by_judge: dict[int, list[Any]], judges: dict[int, tuple[Judge, User]]
) -> None:
    closes = round_.closes_at
    if closes is None:
        return
    window = next((w for w in JUDGE_WINDOWS if _window(run.now, closes, w[2], w[3])), None)
    if window is None:
        return
    label = window[0]
    due = {
        j: sum(1 for i in items if i[4] != ScorecardStatus.submitted)
        for j, items in by_judge.items()
    }
    keys = {
        j: f"judge-due-{label}:{round_.id}:{closes.isoformat()}:{j}" for j, n in due.items() if n
    }
    new = fresh(run.session, keys.values())
    for judge_id, key in keys.items():
        if key not in new:
            continue
        _judge, user = judges[judge_id]
        run.send(
            user,
            key,
            "judge_reminder",
            {
                "due": due[judge_id],
                "total": len(by_judge[judge_id]),
                "round_name": round_.name,
                "closes_at": run.when(closes),
                "message": "",
                "link": f"{run.settings.base_url}/judging.html",
            },
            Notice(
                title=f"{due[judge_id]} scorecard(s) due in {round_.name}",
                body=f"Due by {run.when(closes)}",
                link="/judging.html",
            ),
        )


def _owners_of_submitted(run: Run) -> dict[int, list[Entry]]:
    entries: dict[int, list[Entry]] = defaultdict(list)
    for entry in run.session.scalars(
        select(Entry)
        .where(
            col(Entry.challenge_id) == run.cid,
            col(Entry.status) == EntryStatus.submitted,
            col(Entry.owner_id).is_not(None),
        )
        .order_by(col(Entry.id))
    ):
        assert entry.owner_id is not None
        entries[entry.owner_id].append(entry)
    return entries


def voting_open(run: Run) -> None:
    """When public voting opens, each entrant is told, once per opening date."""
    c = run.challenge
    if c.voting_opens_at is None or c.voting_closes_at is None:
        return
    if not c.voting_opens_at <= run.now < c.voting_closes_at:
        return
    rules = run.session.get(VotingRules, run.cid)
    if rules is None or not rules.enabled:
        return
    owners = _owners_of_submitted(run)
    keys = {u: f"voting-open:{run.cid}:{c.voting_opens_at.isoformat()}:{u}" for u in owners}
    new = fresh(run.session, keys.values())
    for user_id, user in _users(run.session, [u for u, k in keys.items() if k in new]).items():
        run.send(
            user,
            keys[user_id],
            "voting_open",
            {
                "closes_at": run.when(c.voting_closes_at),
                "link": f"{run.settings.base_url}/ballot.html?slug={c.slug}",
            },
            Notice(
                title=f"Public voting is open for “{c.title}”", link=f"/ballot.html?slug={c.slug}"
            ),
        )


def results(run: Run) -> None:
    """When results are published (and each time a new version is), every entrant hears
    their own entry's outcome."""
    if run.challenge.results_published_at is None:
        return
    publication = run.session.scalars(
        select(Publication)
        .where(col(Publication.challenge_id) == run.cid)
        .order_by(col(Publication.version).desc())
        .limit(1)
    ).first()
    if publication is None or publication.withdrawn_at is not None:
        return
    owners = _owners_of_submitted(run)
    keys = {
        e.id: f"results:{run.cid}:v{publication.version}:{e.id}"
        for items in owners.values()
        for e in items
    }
    new = fresh(run.session, keys.values())
    if not new:
        return
    tiers: dict[int, list[str]] = defaultdict(list)
    for entry_id, tier, label in run.session.execute(
        select(col(Award.entry_id), col(Award.tier), col(Award.label)).where(
            col(Award.challenge_id) == run.cid
        )
    ):
        tiers[entry_id].append(
            label or str(getattr(tier, "value", tier)).replace("_", " ").capitalize()
        )
    users = _users(run.session, owners)
    slug = run.challenge.slug
    for user_id, items in owners.items():
        user = users.get(user_id)
        for entry in items:
            if user is None or entry.id is None or keys[entry.id] not in new:
                continue
            run.send(
                user,
                keys[entry.id],
                "results",
                {
                    "reference": entry.reference or "",
                    "title": entry.title,
                    "awards": tiers.get(entry.id, []),
                    "results_link": f"{run.settings.base_url}/results.html?slug={slug}",
                    "link": entry_link(run.settings, entry),
                },
                Notice(
                    title=f"Results of “{run.challenge.title}” are published",
                    body=", ".join(tiers.get(entry.id, [])),
                    link=f"/results.html?slug={slug}",
                ),
            )


def digests(run: Run) -> None:
    """Each organiser's daily digest, from 08:00 in the call's time zone, while the call
    runs (published, results not yet out)."""
    c = run.challenge
    if c.results_published_at is not None or (c.opens_at and run.now < c.opens_at):
        return
    try:
        zone = ZoneInfo(c.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = run.now.astimezone(zone)
    if local.hour < DIGEST_HOUR:
        return
    organisers = list(
        run.session.scalars(
            select(col(Membership.user_id)).where(
                col(Membership.challenge_id) == run.cid,
                col(Membership.role) == ChallengeRole.organiser,
            )
        )
    )
    keys = {u: f"digest:{run.cid}:{u}:{local.date().isoformat()}" for u in organisers}
    new = fresh(run.session, keys.values())
    users = _users(run.session, [u for u, k in keys.items() if k in new])
    if not users:
        return
    figures = _digest_figures(run)
    for user_id, user in users.items():
        run.send(
            user,
            keys[user_id],
            "organiser_digest",
            {**figures, "link": f"{run.settings.base_url}/dashboard.html?slug={c.slug}"},
            Notice(
                title=f"Today on “{c.title}”: {figures['new_entries']} new entries",
                body=f"{figures['backlog']} waiting for screening, {figures['held']} votes held",
                link=f"/dashboard.html?slug={c.slug}",
            ),
        )


def _digest_figures(run: Run) -> dict[str, Any]:
    submitted = col(Entry.status) == EntryStatus.submitted
    new, total, backlog = run.session.execute(
        select(
            func.coalesce(
                func.sum(case((submitted & (col(Entry.submitted_at) > run.now - DAY), 1), else_=0)),
                0,
            ),
            func.coalesce(func.sum(case((submitted, 1), else_=0)), 0),
            func.coalesce(
                func.sum(
                    case((submitted & (col(Entry.eligibility) == Eligibility.pending), 1), else_=0)
                ),
                0,
            ),
        ).where(col(Entry.challenge_id) == run.cid)
    ).one()
    rounds = []
    for round_ in _open_rounds(run):
        due, done = run.session.execute(
            select(
                func.count(col(Assignment.id)),
                func.coalesce(
                    func.sum(
                        case((col(Scorecard.status) == ScorecardStatus.submitted, 1), else_=0)
                    ),
                    0,
                ),
            )
            .outerjoin(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id))
            .where(col(Assignment.round_id) == round_.id)
        ).one()
        rounds.append({"name": round_.name, "due": int(due), "submitted": int(done)})
    held = run.session.scalar(
        select(func.count()).where(
            col(Vote.challenge_id) == run.cid, col(Vote.status) == VoteStatus.held
        )
    )
    return {
        "new_entries": int(new),
        "submitted": int(total),
        "backlog": int(backlog),
        "rounds": rounds,
        "held": int(held or 0),
    }


STEPS = (deadline_reminders, draft_reminders, round_messages, voting_open, results, digests)


def schedule_due(engine: Engine, settings: Settings, now: datetime | None = None) -> int:
    """Queue every date-driven message due now, call by call (each in its own transaction,
    so one call's trouble does not hold up the others). Returns how many were queued."""
    now = now or utcnow()
    with Session(engine) as session:
        ids = list(
            session.scalars(
                select(col(Challenge.id)).where(
                    col(Challenge.published_at).is_not(None), col(Challenge.archived_at).is_(None)
                )
            )
        )
    queued = 0
    for challenge_id in ids:
        with Session(engine) as session:
            challenge = session.get(Challenge, challenge_id)
            if challenge is None:
                continue
            run = Run(session, settings, challenge, now)
            try:
                for step in STEPS:
                    step(run)
                session.commit()
            except Exception:
                session.rollback()
                log.exception(
                    "scheduling messages for call %s failed; will try again", challenge_id
                )
                continue
            queued += run.queued
    return queued
