"""Scorecards, progress, the ranking and advancement:

- /api/assignments/{id} (with /scorecard, /scorecard/submit, /files/{file_id}): the judge;
- /api/rounds/{id}/progress, /reminders, /ranking, /entries/{entry_id}/scorecards,
  /entries/{entry_id}/extra-judge, /advancement/preview and /advancement/apply, and
  /api/scorecards/{id}/reopen: the challenge's organisers;
- /api/entries/{id}/outcomes: the entrant.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from app.auth.router import wake_mail_sender
from app.core.deps import CurrentUser, SessionDep, SettingsDep
from app.core.errors import error_responses
from app.core.pagination import CursorQuery, EntryTextQuery, LimitQuery
from app.entries.access import load_entry
from app.files.storage import make_storage
from app.files.upload import file_responses
from app.judging import assigning, progress, ranking, scorecards
from app.judging.router import RoundDep

router = APIRouter(prefix="/api", tags=["judging"])


def judge_assignment(
    assignment_id: int, user: CurrentUser, session: SessionDep
) -> scorecards.JudgeAssignment:
    return scorecards.JudgeAssignment(session, user, assignment_id)


JudgeAssignmentDep = Annotated[scorecards.JudgeAssignment, Depends(judge_assignment)]


# --- The judge ------------------------------------------------------------------------------


@router.get("/assignments/{assignment_id}", responses=error_responses(401, 404))
def get_assignment(ja: JudgeAssignmentDep, session: SessionDep) -> scorecards.AssignmentDetail:
    """One of my assignments: the round and its criteria, the entry as the round lets judges
    see it (in a blind round nothing that identifies its entrants), and my scorecard."""
    return scorecards.assignment_detail(session, ja)


@router.put("/assignments/{assignment_id}/scorecard", responses=error_responses(401, 404, 409))
def save_scorecard(
    body: scorecards.ScorecardIn, ja: JudgeAssignmentDep, session: SessionDep
) -> scorecards.ScorecardPublic:
    """Save my scorecard as it stands (a draft may be incomplete): a value per criterion on
    its scale and step, or N/A where allowed; a comment for the organisers; feedback for the
    entrant. Editable while the round is open, or after an organiser reopened it."""
    return scorecards.save_scorecard(session, ja, body)


@router.post(
    "/assignments/{assignment_id}/scorecard/submit", responses=error_responses(401, 404, 409)
)
def submit_scorecard(ja: JudgeAssignmentDep, session: SessionDep) -> scorecards.ScorecardPublic:
    """Submit my saved scorecard; every criterion needs a value (or N/A where allowed)."""
    return scorecards.submit_scorecard(session, ja)


@router.get(
    "/assignments/{assignment_id}/files/{file_id}",
    responses=file_responses(401, 404, 409),
    response_class=Response,
)
def download_for_judge(
    file_id: int, ja: JudgeAssignmentDep, session: SessionDep, request: Request
) -> Response:
    """A file of the entry I judge; in a blind round under a neutral name with its document
    and image metadata removed (409 with the reason for a type that cannot be cleaned)."""
    return scorecards.judge_file_response(
        session, ja, file_id, make_storage(request.app.state.settings)
    )


# --- The organisers -------------------------------------------------------------------------


@router.get("/rounds/{round_id}/progress", responses=error_responses(401, 403, 404))
def round_progress(ra: RoundDep, session: SessionDep) -> progress.RoundProgress:
    """Scorecards due, submitted and in draft, per judge and per entry."""
    return progress.round_progress(session, ra)


@router.post("/rounds/{round_id}/reminders", responses=error_responses(401, 403, 404, 409))
def remind_judges(
    body: progress.RemindIn,
    ra: RoundDep,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> progress.Reminded:
    """Mail the judges whose scorecards are still due (all of them, or those named)."""
    reminded = progress.remind_judges(session, settings, ra, body)
    wake_mail_sender(request)
    return reminded


@router.get("/rounds/{round_id}/ranking", responses=error_responses(400, 401, 403, 404))
def round_ranking(
    ra: RoundDep,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    q: EntryTextQuery = None,
    disagreement: Annotated[
        bool | None, Query(description="only entries whose judges disagree (true) or agree")
    ] = None,
    advanced: Annotated[
        bool | None, Query(description="only entries the applied decision advanced (true) or not")
    ] = None,
) -> ranking.Ranking:
    """The round's entries in ranking order, a page at a time: raw and normalised scores on
    the shown scale, SD, spread and disagreement flags, per-criterion means; with the
    round's counts, the ICC and each judge's statistics. Positions are the round's own
    whatever the filters."""
    where = ranking.RankingFilter(q=q, disagreement=disagreement, advanced=advanced)
    return ranking.ranking(session, ra, limit=limit, cursor=cursor, where=where)


@router.get(
    "/rounds/{round_id}/entries/{entry_id}/scorecards", responses=error_responses(401, 403, 404)
)
def entry_scorecards(
    entry_id: int, ra: RoundDep, session: SessionDep
) -> list[scorecards.ScorecardForOrganisers]:
    """Every judge's scorecard for one entry in the round, with comments and feedback."""
    return scorecards.entry_scorecards(session, ra, entry_id)


@router.post(
    "/rounds/{round_id}/entries/{entry_id}/extra-judge",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409),
)
def add_extra_judge(entry_id: int, ra: RoundDep, session: SessionDep) -> assigning.AssignmentPublic:
    """Give an entry whose judges disagree one more judge: the least-loaded free judge
    without a conflict (audited)."""
    assignment = assigning.add_extra_judge(session, ra, entry_id)
    assert ra.round.id is not None
    pairs = assigning.assignments(session, ra.round.id, [assignment.entry_id])
    return next(a for a in pairs if a.id == assignment.id)


@router.post("/scorecards/{scorecard_id}/reopen", responses=error_responses(401, 403, 404, 409))
def reopen_scorecard(
    scorecard_id: int, body: scorecards.ReopenIn, user: CurrentUser, session: SessionDep
) -> scorecards.ScorecardForOrganisers:
    """Send a submitted scorecard back to its judge with the reason (audited); they may edit
    it even after the round closed, until they submit it again."""
    return scorecards.reopen_scorecard(session, user, scorecard_id, body)


@router.post(
    "/rounds/{round_id}/advancement/preview", responses=error_responses(400, 401, 403, 404)
)
def preview_advancement(
    body: ranking.AdvanceIn,
    ra: RoundDep,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> ranking.Advancement:
    """Who would advance under the round's declared rule, ties and how the declared
    tie-breaks resolved them, with the given overrides and tie order, a page of the round
    at a time. Changes nothing."""
    return ranking.advancement(session, ra, body, limit=limit, cursor=cursor)


@router.post(
    "/rounds/{round_id}/advancement/apply", responses=error_responses(400, 401, 403, 404, 409)
)
def apply_advancement(
    body: ranking.AdvanceIn,
    ra: RoundDep,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    limit: LimitQuery = 50,
) -> ranking.Advancement:
    """Record who advances (audited); the next round takes them. Entrants are told by mail
    when `notify`, with the judges' feedback when `release_feedback`. The answer holds the
    first page of the decision; the preview pages through the rest."""
    result = ranking.apply_advancement(session, settings, ra, body, limit=limit)
    wake_mail_sender(request)
    return result


# --- The entrant ----------------------------------------------------------------------------


@router.get("/entries/{entry_id}/outcomes", responses=error_responses(401, 404))
def entry_outcomes(entry_id: int, user: CurrentUser, session: SessionDep) -> list[ranking.Outcome]:
    """The decided rounds of my entry: advanced or not, and the judges' feedback where the
    organisers released it."""
    ctx = load_entry(session, entry_id, user)
    return ranking.outcomes(session, ctx.entry)
