"""/api/challenges/{slug}/judges, /conflicts and /api/judge-invitations: the panel."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.auth.router import wake_mail_sender
from app.challenges.access import OrganiserOf
from app.core.deps import CurrentUser, SessionDep, SettingsDep
from app.core.errors import error_responses
from app.judging import judges, panel
from app.judging.panel import (
    Accepted,
    AcceptIn,
    ConflictIn,
    ConflictPublic,
    JudgeInvite,
    JudgePublic,
    JudgeUpdate,
)

router = APIRouter(prefix="/api", tags=["judging"])


@router.get("/challenges/{slug}/judges", responses=error_responses(401, 403, 404))
def list_judges(access: OrganiserOf, session: SessionDep) -> list[JudgePublic]:
    """The judging panel: who is invited or active, their perspectives, languages and load cap."""
    assert access.challenge.id is not None
    return [panel.judge_public(j) for j in panel.panel(session, access.challenge.id)]


@router.post(
    "/challenges/{slug}/judges",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409),
)
def invite_judge(
    body: JudgeInvite,
    access: OrganiserOf,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> JudgePublic:
    """Invite a judge by e-mail with perspective tags, languages and a maximum load; their
    account is made or linked when they accept."""
    judge = panel.invite(session, settings, access, body)
    wake_mail_sender(request)
    return panel.judge_public(judge)


@router.patch("/challenges/{slug}/judges/{judge_id}", responses=error_responses(401, 403, 404, 409))
def update_judge(
    judge_id: int, body: JudgeUpdate, access: OrganiserOf, session: SessionDep
) -> JudgePublic:
    """Change a judge's tags, languages, load cap or name, or withdraw them (audited)."""
    return panel.judge_public(panel.update_judge(session, access, judge_id, body))


@router.post("/judge-invitations/accept", responses=error_responses(400, 401, 409))
def accept_invitation(
    body: AcceptIn, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Accepted:
    """Accept a judging invitation with the token from the mailed link; it links the panel
    seat to the logged-in account (once)."""
    judge, challenge = panel.accept(session, settings, user, body.token)
    return Accepted(challenge_slug=challenge.slug, judge=panel.judge_public(judge))


@router.get("/challenges/{slug}/conflicts", responses=error_responses(401, 403, 404))
def list_conflicts(access: OrganiserOf, session: SessionDep) -> list[ConflictPublic]:
    """The conflict-of-interest register: judge, entry, source and reason."""
    assert access.challenge.id is not None
    return panel.conflict_register(session, access.challenge.id)


@router.post(
    "/challenges/{slug}/conflicts",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409),
)
def record_conflict(body: ConflictIn, access: OrganiserOf, session: SessionDep) -> ConflictPublic:
    """Record a conflict between a judge and an entry (audited, with its reason)."""
    conflict = panel.record_conflict(session, access, body)
    assert access.challenge.id is not None
    return next(
        c for c in panel.conflict_register(session, access.challenge.id) if c.id == conflict.id
    )


@router.post("/challenges/{slug}/conflicts/detect", responses=error_responses(401, 403, 404))
def detect_conflicts(access: OrganiserOf, session: SessionDep) -> list[ConflictPublic]:
    """Detect conflicts: a judge who submitted an entry or is on its team, or shares an
    organisation or a non-public e-mail domain with its submitter or team. Returns the new ones."""
    created = {c.id for c in panel.detect_conflicts(session, access)}
    assert access.challenge.id is not None
    return [c for c in panel.conflict_register(session, access.challenge.id) if c.id in created]


@router.get("/me/assignments", responses=error_responses(401))
def my_assignments(user: CurrentUser, session: SessionDep) -> list[judges.MyAssignment]:
    """My assignments as a judge, on every panel I sit on, with my scorecards' state."""
    return judges.my_assignments(session, user)


@router.post(
    "/assignments/{assignment_id}/conflict",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 404, 409),
)
def declare_conflict(
    assignment_id: int, body: judges.DeclareIn, user: CurrentUser, session: SessionDep
) -> judges.Declared:
    """Declare a conflict of interest on one of my assignments: it is recorded, the entry is
    taken from me and reassigned to another judge at once."""
    return judges.declare_conflict(session, user, assignment_id, body)
