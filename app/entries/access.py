"""Who may see and change an entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.challenges.access import ChallengeAccess
from app.challenges.phase import accepting_entries, current_phase, judging_started
from app.core.errors import NotAuthenticated, NotFound
from app.models import Challenge, Entry, EntryStatus, User


@dataclass
class EntryContext:
    entry: Entry
    access: ChallengeAccess

    @property
    def challenge(self) -> Challenge:
        return self.access.challenge

    @property
    def user(self) -> User | None:
        return self.access.user

    @property
    def is_owner(self) -> bool:
        return self.user is not None and self.entry.owner_id == self.user.id

    @property
    def on_behalf(self) -> bool:
        """Taken offline by staff: there is no owning account, staff keep it up to date."""
        return self.entry.owner_id is None

    @property
    def may_change(self) -> bool:
        """The owner changes their entry; staff change the ones they entered on someone's behalf."""
        return self.is_owner or (self.on_behalf and self.access.staff)

    def open_for_changes(self, now: datetime) -> bool:
        """Drafts and submitted entries change until the deadline; entries taken offline may
        be typed in by staff after it (the paper arrived in time) until judging starts."""
        if self.entry.status == EntryStatus.withdrawn:
            return False
        if accepting_entries(self.challenge, now):
            return True
        if self.on_behalf and current_phase(self.challenge, now) == "closed":
            return not judging_started(self.challenge, now)
        return False

    def editable(self, now: datetime) -> bool:
        return self.may_change and self.open_for_changes(now)

    def withdrawable(self, now: datetime) -> bool:
        return (
            self.may_change
            and self.entry.status in (EntryStatus.draft, EntryStatus.submitted)
            and not judging_started(self.challenge, now)
        )


def load_entry(session: Session, entry_id: int, user: User | None) -> EntryContext:
    """The entry, for its owner, its challenge's staff and admins; 404 for everyone else."""
    if user is None:
        raise NotAuthenticated()
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise NotFound("No such entry.")
    challenge = session.get(Challenge, entry.challenge_id)
    assert challenge is not None
    access = ChallengeAccess(session, challenge, user)
    context = EntryContext(entry=entry, access=access)
    if not (context.is_owner or access.staff):
        raise NotFound("No such entry.")
    return context
