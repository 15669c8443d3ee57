"""Messages sent the moment something happens to someone's entry or assignment, each with
its in-app notice. Date-driven messages are in app/mail/schedule.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.core.config import Settings
from app.mail.outbox import Notice, queue_mail
from app.models import Challenge, Eligibility, Entry, User


def when(moment: datetime, timezone: str) -> str:
    """A time as people read it in a call's mail: in the call's time zone, named, with UTC
    beside it (e.g. "Sunday 1 March 2026, 18:00 Africa/Lagos time (17:00 UTC)")."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    text = f"{local:%A} {local.day} {local:%B %Y, %H:%M}"
    if zone.key == "UTC":
        return f"{text} UTC"
    return f"{text} {zone.key} time ({moment.astimezone(ZoneInfo('UTC')):%H:%M} UTC)"


def entry_link(settings: Settings, entry: Entry) -> str:
    return f"{settings.base_url}/entry.html?id={entry.id}"


def eligibility_decided(
    session: Session, settings: Settings, challenge: Challenge, entry: Entry
) -> None:
    """Tell the entrant (an account holder) the screening decision and, when ineligible,
    its reason. Keyed by the decision's time: a decision reopened and made again is told
    again, a request retried is not."""
    owner = session.get(User, entry.owner_id) if entry.owner_id else None
    if owner is None or not owner.is_active or entry.screened_at is None:
        return  # taken offline: the organisers answer through the channel it came by
    eligible = entry.eligibility == Eligibility.eligible
    outcome = "eligible" if eligible else "not eligible"
    queue_mail(
        session,
        settings,
        template="eligibility_decision",
        kind="eligibility_decision",
        to_address=owner.email,
        user_id=owner.id,
        challenge_id=challenge.id,
        language=owner.language,
        idempotency_key=f"eligibility:{entry.id}:{entry.screened_at.isoformat()}",
        context={
            "name": owner.display_name,
            "eligible": eligible,
            "reference": entry.reference or "",
            "title": entry.title,
            "challenge_title": challenge.title,
            "reason": entry.eligibility_reason or "",
            "link": entry_link(settings, entry),
        },
        notice=Notice(
            title=f"Entry {entry.reference} is {outcome}",
            body=entry.eligibility_reason or "" if not eligible else "",
            link=f"/entry.html?id={entry.id}",
        ),
    )
