"""/api/challenges/{slug}/results (rules, standings, publish), /awards, /gallery, and
/api/awards/{id}/certificate: the end of a contest."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from app.challenges.access import ChallengeDep, OrganiserOf
from app.core.deps import CurrentUser, SessionDep
from app.core.errors import error_responses
from app.core.pagination import CursorQuery, LimitQuery
from app.entries.access import load_entry
from app.results import service
from app.voting.service import BallotPage

router = APIRouter(prefix="/api", tags=["results"])

Reason = Annotated[str | None, Query(min_length=3, max_length=500)]


@router.get("/challenges/{slug}/results/rules", responses=error_responses(404))
def get_rules(access: ChallengeDep, session: SessionDep) -> service.RulesPublic:
    """The declared ranking rule: final = w_jury · jury score + w_public · vote share."""
    rules = service.rules_of(session, access.challenge)
    return service.rules_public(session, access.challenge, rules)


@router.patch("/challenges/{slug}/results/rules", responses=error_responses(401, 403, 404, 409))
def update_rules(
    body: service.RulesIn, access: OrganiserOf, session: SessionDep
) -> service.RulesPublic:
    """Declare the ranking rule (audited): the jury round, the two weights, per category or
    overall, and a separate people's choice. Once voting or the jury round has opened, a
    change needs a reason."""
    rules = service.update_rules(session, access, body)
    return service.rules_public(session, access.challenge, rules)


@router.get("/challenges/{slug}/results/standings", responses=error_responses(400, 401, 403, 404))
def get_standings(
    access: OrganiserOf,
    session: SessionDep,
    limit: LimitQuery = 50,
    group: Annotated[
        str | None,
        Query(max_length=200, description="page this group only ('' is the overall group)"),
    ] = None,
    cursor: CursorQuery = None,
) -> service.Standings:
    """The final ranking under the declared rule, ties settled by the jury round's
    tie-breaks (organisers, before and after publishing): the first page of each group, or
    the next page of one group (`group` and the `next_cursors` entry for it)."""
    table = service.standings(session, access.challenge)
    return service.standings_page(table, limit=limit, group=group, cursor=cursor)


@router.get("/challenges/{slug}/awards", responses=error_responses(401, 403, 404))
def list_awards(access: OrganiserOf, session: SessionDep) -> list[service.AwardPublic]:
    """The awards as they stand (organisers; the public reads the published results)."""
    return service.awards(session, access.challenge)


@router.post("/challenges/{slug}/awards/propose", responses=error_responses(401, 403, 404))
def propose_awards(access: OrganiserOf, session: SessionDep) -> list[service.AwardPublic]:
    """Replace the awards with those the standings propose: winner, second and third, the
    finalists and the people's choice, per category where declared (audited)."""
    return service.apply_proposal(session, access)


@router.post(
    "/challenges/{slug}/awards",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409),
)
def add_award(
    body: service.AwardIn, access: OrganiserOf, session: SessionDep
) -> service.AwardPublic:
    """Add an award against the proposal, with the reason (audited)."""
    return service.add_award(session, access, body)


@router.delete(
    "/challenges/{slug}/awards/{award_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404),
)
def remove_award(
    award_id: int, access: OrganiserOf, session: SessionDep, reason: Reason = None
) -> None:
    """Take an award away, with the reason (`?reason=`, audited)."""
    service.remove_award(session, access, award_id, reason)


@router.post("/challenges/{slug}/results/publish", responses=error_responses(401, 403, 404, 409))
def publish(
    body: service.PublishIn, access: OrganiserOf, session: SessionDep
) -> service.ResultsPublic:
    """Publish the results: the public page, the results table and its SHA-256, the methods
    text. Publishing again makes a new version that says what changed (with a reason)."""
    service.publish(session, access, body)
    return service.public_results(session, access.challenge)


@router.post(
    "/challenges/{slug}/results/unpublish",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409),
)
def unpublish(body: service.UnpublishIn, access: OrganiserOf, session: SessionDep) -> None:
    """Take the published results down, with the reason (audited)."""
    service.unpublish(session, access, body)


@router.get("/challenges/{slug}/results", responses=error_responses(404))
def public_results(access: ChallengeDep, session: SessionDep) -> service.ResultsPublic:
    """The published results: awards with each entry's public fields, the methods text, the
    SHA-256 of the results table and the versions before."""
    return service.public_results(session, access.challenge)


@router.get(
    "/challenges/{slug}/results.csv",
    responses={**error_responses(404), 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
def results_csv(access: ChallengeDep, session: SessionDep) -> Response:
    """The published results table, byte for byte: its SHA-256 is on the results page."""
    publication = service.published(session, access.challenge)
    return Response(
        publication.table_csv.encode(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{access.challenge.slug}-results-v{publication.version}.csv"'
            ),
            "X-Content-SHA256": publication.sha256,
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/challenges/{slug}/gallery", responses=error_responses(404))
def gallery(
    access: ChallengeDep,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
) -> BallotPage:
    """Once results are published: every eligible entry whose entrant accepted the licence,
    public fields only."""
    return service.gallery(
        session, access.challenge, q=q, category=category, offset=offset, limit=limit
    )


@router.get("/awards/{award_id}/certificate", responses=error_responses(401, 404))
def certificate(award_id: int, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """What a printable certificate shows (the entrant and the organisers, once published)."""
    return service.certificate(session, user, award_id)


@router.get("/entries/{entry_id}/awards", responses=error_responses(401, 404))
def entry_awards(entry_id: int, user: CurrentUser, session: SessionDep) -> list[service.EntryAward]:
    """My entry's awards, with their certificates, once the results are published."""
    ctx = load_entry(session, entry_id, user)
    return service.entry_awards(session, ctx.entry)
