"""Who may see and do what in a challenge: one place, used by every route and service."""

from __future__ import annotations

from functools import cached_property
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session, col, select

from app.core.deps import OptionalAuth, SessionDep
from app.core.errors import Forbidden, NotAuthenticated, NotFound
from app.models import Challenge, ChallengeRole, Membership, User

STAFF_ROLES = frozenset({ChallengeRole.organiser, ChallengeRole.screener})


def roles_in(session: Session, challenge: Challenge, user: User | None) -> set[ChallengeRole]:
    if user is None or challenge.id is None:
        return set()
    rows = session.exec(
        select(Membership.role).where(
            Membership.challenge_id == challenge.id, Membership.user_id == user.id
        )
    ).all()
    return {ChallengeRole(r) for r in rows}


def roles_by_challenge(
    session: Session, challenge_ids: list[int], user: User | None
) -> dict[int, set[ChallengeRole]]:
    """The caller's roles in many challenges at once (one query for a whole list)."""
    if user is None or not challenge_ids:
        return {}
    rows = session.exec(
        select(Membership.challenge_id, Membership.role).where(
            Membership.user_id == user.id, col(Membership.challenge_id).in_(challenge_ids)
        )
    ).all()
    result: dict[int, set[ChallengeRole]] = {}
    for challenge_id, role in rows:
        result.setdefault(challenge_id, set()).add(ChallengeRole(role))
    return result


def is_staff(session: Session, challenge: Challenge, user: User | None) -> bool:
    """Organisers and screeners of this challenge, and platform admins."""
    return user is not None and (
        user.is_admin or bool(roles_in(session, challenge, user) & STAFF_ROLES)
    )


def can_view(session: Session, challenge: Challenge, user: User | None) -> bool:
    """Published challenges are public; drafts exist only for their staff."""
    return challenge.published_at is not None or is_staff(session, challenge, user)


def load_challenge(session: Session, slug: str, user: User | None) -> Challenge:
    challenge = session.exec(select(Challenge).where(Challenge.slug == slug)).first()
    if challenge is None or not can_view(session, challenge, user):
        raise NotFound("No such challenge.")
    return challenge


def managed_challenge_ids(session: Session, user: User) -> list[int]:
    rows = session.exec(
        select(Membership.challenge_id).where(
            Membership.user_id == user.id, col(Membership.role).in_(list(STAFF_ROLES))
        )
    ).all()
    return sorted(set(rows))


class ChallengeAccess:
    """The challenge named by `{slug}`, the caller, and the caller's roles in it."""

    def __init__(self, session: Session, challenge: Challenge, user: User | None) -> None:
        self.session = session
        self.challenge = challenge
        self.user = user

    @cached_property
    def roles(self) -> set[ChallengeRole]:
        return roles_in(self.session, self.challenge, self.user)

    @property
    def organiser(self) -> bool:
        return self.user is not None and (
            self.user.is_admin or ChallengeRole.organiser in self.roles
        )

    @property
    def staff(self) -> bool:
        return self.user is not None and (self.user.is_admin or bool(self.roles & STAFF_ROLES))

    def need_user(self) -> User:
        if self.user is None:
            raise NotAuthenticated()
        return self.user

    def need_organiser(self) -> User:
        user = self.need_user()
        if not self.organiser:
            raise Forbidden("Only this challenge's organisers may do this.")
        return user

    def need_staff(self) -> User:
        user = self.need_user()
        if not self.staff:
            raise Forbidden("Only this challenge's organisers and screeners may do this.")
        return user


def challenge_access(slug: str, session: SessionDep, auth: OptionalAuth) -> ChallengeAccess:
    user = auth.user if auth else None
    return ChallengeAccess(session, load_challenge(session, slug, user), user)


def organiser_access(
    access: Annotated[ChallengeAccess, Depends(challenge_access)],
) -> ChallengeAccess:
    access.need_organiser()
    return access


def staff_access(access: Annotated[ChallengeAccess, Depends(challenge_access)]) -> ChallengeAccess:
    access.need_staff()
    return access


ChallengeDep = Annotated[ChallengeAccess, Depends(challenge_access)]
OrganiserOf = Annotated[ChallengeAccess, Depends(organiser_access)]
StaffOf = Annotated[ChallengeAccess, Depends(staff_access)]
