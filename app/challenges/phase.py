"""A challenge's phase follows from its dates on every read; nobody flips a switch.

One source of truth for the deadline: `deadline()` and `accepting_entries()` are what every
write checks, inside its own transaction, against the clock at that moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.models import Challenge


def deadline(challenge: Challenge) -> datetime | None:
    """The last moment an entry is accepted: the closing time plus any grace period."""
    if challenge.closes_at is None:
        return None
    return challenge.closes_at + timedelta(minutes=challenge.grace_minutes)


def _within(now: datetime, start: datetime | None, end: datetime | None) -> bool:
    return start is not None and start <= now and (end is None or now < end)


def phase_by_dates(challenge: Challenge, now: datetime) -> str:
    if challenge.results_published_at is not None:
        return "results"
    if _within(now, challenge.voting_opens_at, challenge.voting_closes_at):
        return "voting"
    if _within(now, challenge.judging_opens_at, challenge.judging_closes_at):
        return "judging"
    if challenge.opens_at is None or now < challenge.opens_at:
        return "upcoming"
    end = deadline(challenge)
    if challenge.closed_at is None and end is not None and now < end:
        return "open"
    return "closed"


def current_phase(challenge: Challenge, now: datetime) -> str:
    """draft, upcoming, open, closed, judging, voting, results or archived."""
    if challenge.archived_at is not None:
        return "archived"
    if challenge.published_at is None:
        return "draft"
    if challenge.phase_override:
        return challenge.phase_override
    return phase_by_dates(challenge, now)


def accepting_entries(challenge: Challenge, now: datetime) -> bool:
    return current_phase(challenge, now) == "open"


def taking_offline_entries(challenge: Challenge, now: datetime) -> bool:
    """Entries taken by staff from offline channels (typed in, or imported from a file) are
    accepted while the call is open and after it closes until judging starts: the paper
    arrived in time."""
    phase = current_phase(challenge, now)
    return phase == "open" or (phase == "closed" and not judging_started(challenge, now))


def judging_started(challenge: Challenge, now: datetime) -> bool:
    """From here on entries can no longer be withdrawn."""
    phase = current_phase(challenge, now)
    if phase in ("judging", "voting", "results", "archived"):
        return True
    return challenge.judging_opens_at is not None and now >= challenge.judging_opens_at
