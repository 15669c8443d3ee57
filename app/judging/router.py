"""/api/challenges/{slug}/rounds and /api/rounds/{id}: rounds and their criteria."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlmodel import col, select

from app.challenges.access import OrganiserOf, StaffOf
from app.core.deps import CurrentUser, SessionDep
from app.core.errors import error_responses
from app.core.pagination import CursorQuery, EntryTextQuery, LimitQuery
from app.judging import assigning, progress, rounds
from app.judging.schemas import (
    CriterionIn,
    CriterionPublic,
    CriterionUpdate,
    RoundCreate,
    RoundPublic,
    RoundUpdate,
    ScalePreset,
)
from app.models import Round

router = APIRouter(prefix="/api", tags=["judging"])

Reason = Annotated[
    str | None,
    Query(min_length=3, max_length=500, description="required once the round has opened"),
]


def round_access(round_id: int, user: CurrentUser, session: SessionDep) -> rounds.RoundAccess:
    return rounds.RoundAccess(session, round_id, user)


RoundDep = Annotated[rounds.RoundAccess, Depends(round_access)]


@router.get("/scale-presets")
def scale_presets() -> list[ScalePreset]:
    """The scales real calls use: 1–10, 0–2 points per criterion, a 3-point Likert scale."""
    return list(rounds.SCALE_PRESETS.values())


@router.get("/challenges/{slug}/rounds", responses=error_responses(401, 403, 404))
def list_rounds(access: StaffOf, session: SessionDep) -> list[RoundPublic]:
    """The challenge's rounds in order, with their declared rules and criteria."""
    rows = session.exec(
        select(Round).where(Round.challenge_id == access.challenge.id).order_by(col(Round.position))
    ).all()
    return [rounds.round_public(session, r, access.challenge) for r in rows]


@router.post(
    "/challenges/{slug}/rounds",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404),
)
def create_round(body: RoundCreate, access: OrganiserOf, session: SessionDep) -> RoundPublic:
    """Declare a scoring round: its window, judges per entry, blind or open, normalisation,
    advancement rule, tie-breaks and criteria. Round 1 takes the eligible entries; each later
    round takes those advanced from the one before."""
    return rounds.round_public(
        session, rounds.create_round(session, access, body), access.challenge
    )


@router.get("/rounds/{round_id}", responses=error_responses(401, 404))
def get_round(ra: RoundDep, session: SessionDep) -> RoundPublic:
    """One round with its criteria (the challenge's organisers and screeners)."""
    return rounds.round_public(session, ra.round, ra.challenge)


@router.patch("/rounds/{round_id}", responses=error_responses(401, 403, 404, 409))
def update_round(body: RoundUpdate, ra: RoundDep, session: SessionDep) -> RoundPublic:
    """Change a round's rules; once it has opened, only with a `reason` (audited)."""
    return rounds.round_public(session, rounds.update_round(session, ra, body), ra.challenge)


@router.delete(
    "/rounds/{round_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409),
)
def delete_round(ra: RoundDep, session: SessionDep) -> None:
    """Delete the last round, before it opens and while no judge is assigned in it."""
    rounds.delete_round(session, ra)


@router.post(
    "/rounds/{round_id}/criteria",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409),
)
def add_criterion(
    body: CriterionIn, ra: RoundDep, session: SessionDep, reason: Reason = None
) -> CriterionPublic:
    """Add a criterion (a preset scale or min, max and step; weight; N/A allowed or not)."""
    return CriterionPublic.model_validate(
        rounds.add_criterion(session, ra, body, reason), from_attributes=True
    )


@router.patch(
    "/rounds/{round_id}/criteria/{criterion_id}", responses=error_responses(401, 403, 404, 409)
)
def update_criterion(
    criterion_id: int, body: CriterionUpdate, ra: RoundDep, session: SessionDep
) -> CriterionPublic:
    """Change a criterion; once the round has opened, only with a `reason` (audited)."""
    return CriterionPublic.model_validate(
        rounds.update_criterion(session, ra, criterion_id, body), from_attributes=True
    )


@router.delete(
    "/rounds/{round_id}/criteria/{criterion_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409),
)
def delete_criterion(
    criterion_id: int, ra: RoundDep, session: SessionDep, reason: Reason = None
) -> None:
    """Remove a criterion; once the round has opened, only with a `reason` (audited)."""
    rounds.delete_criterion(session, ra, criterion_id, reason)


@router.post("/rounds/{round_id}/assign", responses=error_responses(401, 403, 404))
def run_assignment(
    body: assigning.AssignIn, ra: RoundDep, session: SessionDep
) -> assigning.AssignmentReport:
    """Assign each entry of the round k judges from the active panel: never a conflicted
    judge, loads within one where the rules allow, optional required perspectives and shared
    language, deterministic for the seed, incremental. Entries that cannot get k judges are
    listed with the reason (audited)."""
    return assigning.run_assignment(session, ra, body)


@router.get("/rounds/{round_id}/assignments", responses=error_responses(401, 404))
def list_assignments(ra: RoundDep, session: SessionDep) -> list[assigning.AssignmentPublic]:
    """Every (entry, judge) pair of the round, with its scorecard's state."""
    assert ra.round.id is not None
    return assigning.assignments(session, ra.round.id)


@router.get("/rounds/{round_id}/assignments/entries", responses=error_responses(400, 401, 403, 404))
def list_entries_with_judges(
    ra: RoundDep,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    q: EntryTextQuery = None,
    short: Annotated[
        bool | None, Query(description="only entries with fewer than k judges (true) or not")
    ] = None,
) -> progress.EntryJudgesPage:
    """The round's entries a page at a time, each with its judges and their scorecards'
    state, and the round's counts (organisers): the assignment page's table."""
    return progress.entries_with_judges(session, ra, limit=limit, cursor=cursor, q=q, short=short)


@router.post(
    "/rounds/{round_id}/assignments",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409),
)
def assign_by_hand(
    body: assigning.ManualAssignIn, ra: RoundDep, session: SessionDep
) -> assigning.AssignmentPublic:
    """Assign a judge to an entry by hand (never a conflicted judge; audited)."""
    assignment = assigning.assign_by_hand(session, ra, body)
    assert ra.round.id is not None
    pairs = assigning.assignments(session, ra.round.id, [assignment.entry_id])
    return next(a for a in pairs if a.id == assignment.id)


@router.delete(
    "/assignments/{assignment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409),
)
def unassign(
    assignment_id: int, user: CurrentUser, session: SessionDep, reason: Reason = None
) -> None:
    """Take a judge off an entry (not once their scorecard is submitted; audited)."""
    assignment = assigning.load_assignment(session, assignment_id)
    ra = rounds.RoundAccess(session, assignment.round_id, user)
    assigning.unassign(session, ra, assignment, reason)
