"""The evaluation dashboard: /api/challenges/{slug}/stats for a call's organisers, /api/stats
for admins across calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from sqlmodel import Session, col, select

from app.challenges.access import OrganiserOf
from app.core.deps import AdminUser, SessionDep
from app.core.errors import error_responses
from app.core.pagination import CursorQuery, LimitQuery, Page, paginate_by_id
from app.exports.csvfile import csv_chunks, csv_response
from app.models import Challenge
from app.stats import service
from app.stats.schemas import ChallengeStats, ChallengeSummary, Reach, ReachIn

router = APIRouter(tags=["stats"])

CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The figures, RFC 4180, UTF-8"}
}


@router.get(
    "/api/challenges/{slug}/stats",
    response_model=ChallengeStats,
    responses=error_responses(401, 403, 404),
)
def challenge_stats(access: OrganiserOf, session: SessionDep) -> ChallengeStats:
    """The call's monitoring and evaluation figures (organisers): the funnel from registered
    to awarded, entries by state, country, World Bank income group (with the share from low-
    and middle-income countries), channel, language, category and each demographic question,
    first-time participants, submissions per day in the call's time zone, the judges' panel by
    perspective, each round's judging progress and score distribution, votes per day, and the
    reach and costs entered, with cost per submitted and per eligible entry."""
    return service.challenge_stats(session, access.challenge)


@router.get(
    "/api/challenges/{slug}/stats.csv",
    responses={**error_responses(401, 403, 404), **CSV},
    response_class=StreamingResponse,
)
def challenge_stats_csv(access: OrganiserOf, session: SessionDep) -> StreamingResponse:
    """The same figures as one long CSV table: section, key, label, value and share
    (organisers)."""
    stats = service.challenge_stats(session, access.challenge)
    chunks = csv_chunks(service.STATS_HEADER, service.stats_rows(stats))
    return csv_response(f"{access.challenge.slug}-stats.csv", chunks)


@router.get(
    "/api/challenges/{slug}/stats/reach",
    response_model=Reach,
    responses=error_responses(401, 403, 404),
)
def get_reach(access: OrganiserOf, session: SessionDep) -> Reach:
    """The reach and costs the organisers have entered (all empty until they do)."""
    assert access.challenge.id is not None
    return service.reach_public(service.report_of(session, access.challenge.id))


@router.put(
    "/api/challenges/{slug}/stats/reach",
    response_model=Reach,
    responses=error_responses(401, 403, 404, 422),
)
def put_reach(body: ReachIn, access: OrganiserOf, session: SessionDep) -> Reach:
    """Enter the call's reach (events, attendance, social media reach, partners) and costs
    (prizes, staff, promotion, other; one currency). Replaces what was there; audited."""
    return service.update_reach(session, access, body)


@router.get(
    "/api/stats", response_model=Page[ChallengeSummary], responses=error_responses(400, 401, 403)
)
def all_stats(
    _admin: AdminUser, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[ChallengeSummary]:
    """Every call's headline figures side by side, newest call first (platform admins)."""
    challenges, next_cursor = paginate_by_id(
        session, select(Challenge), Challenge.id, limit, cursor
    )
    return Page(items=service.summaries(session, challenges), next_cursor=next_cursor)


def _every_summary(session: Session) -> Iterator[ChallengeSummary]:
    last: int | None = None
    while True:
        query = select(Challenge).order_by(col(Challenge.id)).limit(50)
        if last is not None:
            query = query.where(col(Challenge.id) > last)
        page = list(session.exec(query))
        if not page:
            return
        yield from service.summaries(session, page)
        last = page[-1].id


@router.get(
    "/api/stats.csv",
    responses={**error_responses(401, 403), **CSV},
    response_class=StreamingResponse,
)
def all_stats_csv(_admin: AdminUser, session: SessionDep) -> StreamingResponse:
    """Every call's headline figures, one row per call (platform admins)."""
    # Counted before the response starts: the request's session closes when it does.
    rows = list(service.summary_rows(_every_summary(session)))
    return csv_response("opencall-stats.csv", csv_chunks(service.SUMMARY_HEADER, rows))
