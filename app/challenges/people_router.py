"""/api/challenges/{slug}/committee and /roles."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.challenges import people
from app.challenges.access import ChallengeDep, OrganiserOf
from app.challenges.schemas import (
    CommitteeMemberIn,
    CommitteeMemberPublic,
    CommitteeMemberUpdate,
    RoleIn,
    RolePublic,
)
from app.core.deps import SessionDep
from app.core.errors import error_responses

router = APIRouter(prefix="/api/challenges/{slug}", tags=["challenges"])


@router.get("/committee", responses=error_responses(404))
def list_committee(access: ChallengeDep, session: SessionDep) -> list[CommitteeMemberPublic]:
    """The steering committee: who sits on it, with what affiliation and role (public)."""
    assert access.challenge.id is not None
    return people.committee(session, access.challenge.id)


@router.post(
    "/committee", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404)
)
def add_committee_member(
    body: CommitteeMemberIn, access: OrganiserOf, session: SessionDep
) -> CommitteeMemberPublic:
    """Add a steering committee member (voting, or an observer such as a funder)."""
    member = people.add_member(session, access, body)
    return CommitteeMemberPublic.model_validate(member, from_attributes=True)


@router.patch("/committee/{member_id}", responses=error_responses(401, 403, 404))
def update_committee_member(
    member_id: int, body: CommitteeMemberUpdate, access: OrganiserOf, session: SessionDep
) -> CommitteeMemberPublic:
    """Change a committee member's details or position."""
    member = people.update_member(session, access, member_id, body)
    return CommitteeMemberPublic.model_validate(member, from_attributes=True)


@router.delete(
    "/committee/{member_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404),
)
def remove_committee_member(member_id: int, access: OrganiserOf, session: SessionDep) -> None:
    """Remove a committee member."""
    people.remove_member(session, access, member_id)


@router.get("/roles", responses=error_responses(401, 403, 404))
def list_roles(access: OrganiserOf, session: SessionDep) -> list[RolePublic]:
    """Who runs this challenge: organisers, screeners (and judges, later)."""
    assert access.challenge.id is not None
    return people.roles(session, access.challenge.id)


@router.post(
    "/roles", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 409)
)
def grant_role(body: RoleIn, access: OrganiserOf, session: SessionDep) -> RolePublic:
    """Make an existing account a co-organiser or a screener of this challenge."""
    return people.grant_role(session, access, body)


@router.delete(
    "/roles/{membership_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409),
)
def revoke_role(membership_id: int, access: OrganiserOf, session: SessionDep) -> None:
    """Take a role away (the last organiser stays)."""
    people.revoke_role(session, access, membership_id)
