"""/api/challenges/{slug}/voting, /ballot and /votes, and /api/votes/{id}: the public vote."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from app.challenges.access import ChallengeDep, OrganiserOf, can_view
from app.core.db import utcnow
from app.core.deps import (
    CurrentUser,
    SessionDep,
    SettingsDep,
    admit,
    presented_token_hash,
    resolve_auth,
)
from app.core.errors import NotAuthenticated, NotFound, error_responses
from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.ratelimit import RateLimiter
from app.files.storage import make_storage
from app.files.upload import download_response, file_responses
from app.voting import service

router = APIRouter(prefix="/api", tags=["voting"])


async def rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


LimiterDep = Annotated[RateLimiter, Depends(rate_limiter)]


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/challenges/{slug}/voting", responses=error_responses(404))
def get_voting(access: ChallengeDep, session: SessionDep) -> service.RulesPublic:
    """The call's voting rules and window, and whether voting is open now."""
    return service.rules_public(access.challenge, service.rules_of(session, access.challenge))


@router.patch("/challenges/{slug}/voting", responses=error_responses(401, 403, 404, 409))
def update_voting(
    body: service.RulesIn, access: OrganiserOf, session: SessionDep
) -> service.RulesPublic:
    """Declare the voting rules: on or off, the ballot, votes per voter, one per category,
    verified voters only, self-votes, the burst rule and rate limits (audited). The window
    is the call's voting dates. Once voting opens, the ballot and the vote count are fixed."""
    rules = service.update_rules(session, access, body)
    return service.rules_public(access.challenge, rules)


@router.get("/challenges/{slug}/ballot", responses=error_responses(404))
def get_ballot(
    access: ChallengeDep,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description="title, summary, reference")] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
) -> service.BallotPage:
    """The entries on the ballot, public fields only, with each entry's licence."""
    return service.ballot(
        session, access.challenge, q=q, category=category, offset=offset, limit=limit
    )


@router.get(
    "/challenges/{slug}/ballot/files/{file_id}",
    responses=file_responses(404),
    response_class=Response,
)
def ballot_file(
    file_id: int, access: ChallengeDep, session: SessionDep, request: Request
) -> Response:
    """A file on a public question of an entry on the ballot."""
    file, name = service.ballot_file(session, access.challenge, file_id)
    return download_response(
        make_storage(request.app.state.settings),
        storage_key=file.storage_key,
        content_type=file.content_type,
        filename=name,
        size=file.size,
    )


@router.post(
    "/challenges/{slug}/votes",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 429),
)
def cast_vote(
    slug: str,
    body: service.VoteIn,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    request: Request,
) -> service.VotePublic:
    """Vote for an entry on the ballot, inside the voting window: once per entry, within
    your number of votes (and one per category where declared). Votes from bursts of new
    accounts on one network are held for the organisers' review."""
    # The busiest route, so its reads are one query (the caller, the call, its rules, the
    # entry), made here in the one thread the route runs in, not in dependencies.
    token_hash = presented_token_hash(request, settings)
    if token_hash is None:
        raise NotAuthenticated()
    now = utcnow()
    reads = service.read_vote(session, slug, body.entry_id, token_hash, now)
    if reads is None:  # no such call; but a caller not logged in hears that first
        if resolve_auth(request, session, settings) is None:
            raise NotAuthenticated()
        raise NotFound("No such challenge.")
    if reads.caller is None:
        raise NotAuthenticated()
    user = admit(request, session, *reads.caller, now).user
    if not can_view(session, reads.challenge, user):
        raise NotFound("No such challenge.")
    return service.cast_vote(session, settings, limiter, reads, user, body, _address(request))


@router.get("/challenges/{slug}/votes/mine", responses=error_responses(401, 404))
def my_votes(access: ChallengeDep, user: CurrentUser, session: SessionDep) -> service.MyVotes:
    """My votes in this call and how many I have left."""
    return service.my_votes(session, access.challenge, user)


@router.delete(
    "/votes/{vote_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 404, 409, 429),
)
def retract_vote(
    vote_id: int,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    request: Request,
) -> None:
    """Take back one of my votes while voting is open; it can be cast again."""
    service.retract_vote(session, settings, limiter, user, vote_id, _address(request))


@router.get("/challenges/{slug}/votes/counts", responses=error_responses(401, 403, 404))
def vote_counts(access: OrganiserOf, session: SessionDep) -> service.Counts:
    """The call's votes in all, counted, held for review and discarded apart, and the number
    of voters. The votes per entry are at `/votes/counts/entries`."""
    return service.counts(session, access.challenge)


@router.get(
    "/challenges/{slug}/votes/counts/entries",
    response_model=Page[service.EntryCount],
    responses=error_responses(400, 401, 403, 404),
)
def vote_counts_per_entry(
    access: OrganiserOf,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[service.EntryCount]:
    """Votes per entry, counted, held for review and discarded apart, in the order of the
    entries' ids; entries without votes are not listed."""
    items, next_cursor = service.entry_counts(session, access.challenge, limit=limit, cursor=cursor)
    return Page[service.EntryCount](items=items, next_cursor=next_cursor)


@router.get("/challenges/{slug}/votes/held", responses=error_responses(401, 403, 404))
def held_votes(access: OrganiserOf, session: SessionDep) -> list[service.HeldVote]:
    """Votes held for review, grouped by the network they came from."""
    return service.held_votes(session, access.challenge)


@router.post("/challenges/{slug}/votes/review", responses=error_responses(401, 403, 404))
def review_votes(
    body: service.ReviewIn, access: OrganiserOf, session: SessionDep
) -> service.Reviewed:
    """Release held votes into the count, or discard them, with the reason (audited)."""
    return service.review(session, access, body)
