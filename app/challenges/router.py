"""/api/challenges: browse, launch, edit and run calls; /api/countries."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.challenges import service
from app.challenges import translations as translated
from app.challenges.access import (
    ChallengeAccess,
    ChallengeDep,
    OrganiserOf,
    load_challenge,
    managed_challenge_ids,
    roles_by_challenge,
    roles_in,
)
from app.challenges.countries import countries_json
from app.challenges.phase import current_phase
from app.challenges.schemas import (
    PHASES,
    ChallengeCreate,
    ChallengePublic,
    ChallengeStaffView,
    ChallengeSummary,
    ChallengeUpdate,
    CloneIn,
    Country,
    Phase,
    PhaseOverrideIn,
)
from app.challenges.translations import LangQuery
from app.core.db import utcnow
from app.core.deps import CurrentUser, OptionalAuth, SessionDep
from app.core.errors import NotAuthenticated, NotFound, error_responses
from app.core.pagination import CursorQuery, LimitQuery, Page, decode_cursor, encode_cursor
from app.files.flow import UploadPlan, handle_upload
from app.files.kinds import FILE_KINDS, allowed_types
from app.files.storage import Storage, make_storage
from app.files.upload import StoredUpload, download_response, file_responses, upload_body
from app.models import Challenge, ChallengeTranslation, StoredFile, User
from app.web.static import accepts_gzip, etag_matches

router = APIRouter(prefix="/api", tags=["challenges"])

COVER_MAX_BYTES = 5 * 1024 * 1024


@router.get("/countries", response_model=list[Country])
def list_countries(request: Request) -> Response:
    """The World Bank's 217 economies with ISO codes, region and income group (FY2026).
    The largest answer an entry form loads, and the same for everyone until the next
    release: gzipped when the browser takes it, and kept by browsers for a day (with an
    ETag to check it after)."""
    data = countries_json()
    gzipped = accepts_gzip(request.headers.get("accept-encoding", ""))
    body, etag = (data.gzipped, data.gzip_etag) if gzipped else (data.body, data.etag)
    headers = {"Cache-Control": "public, max-age=86400", "ETag": etag, "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/json", headers=headers)


@router.get("/challenges", responses=error_responses(400, 401))
def list_challenges(
    session: SessionDep,
    auth: OptionalAuth,
    scope: Literal["public", "managed"] = "public",
    phase: Annotated[list[Phase] | None, Query(description="keep only these phases")] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="words in the title or prompt")
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    lang: LangQuery = None,
) -> Page[ChallengeSummary]:
    """Published calls, newest first (`scope=public`, no login needed), or the calls I
    organise or screen, drafts included (`scope=managed`; all of them for an admin). With
    `lang`, each title and prompt in that language where the call is given in it."""
    user = auth.user if auth else None
    statement = select(Challenge)
    if scope == "managed":
        if user is None:
            raise NotAuthenticated()
        if not user.is_admin:
            statement = statement.where(col(Challenge.id).in_(managed_challenge_ids(session, user)))
    else:
        statement = statement.where(col(Challenge.published_at).is_not(None))
    if q:
        pattern = f"%{q.strip()}%"
        in_translation = select(ChallengeTranslation.challenge_id).where(
            or_(
                col(ChallengeTranslation.title).ilike(pattern),
                col(ChallengeTranslation.prompt).ilike(pattern),
            )
        )
        statement = statement.where(
            or_(
                col(Challenge.title).ilike(pattern),
                col(Challenge.prompt).ilike(pattern),
                col(Challenge.id).in_(in_translation),
            )
        )
    default: list[str] = [p for p in PHASES if scope == "managed" or p != "archived"]
    wanted: set[str] = set(phase) if phase else set(default)
    now = utcnow()
    # The phase follows from the dates, so it is filtered here, a batch at a time.
    kept: list[Challenge] = []
    last_id = decode_cursor(cursor) if cursor else None
    more = True
    while len(kept) < limit and more:
        batch_statement = statement
        if last_id is not None:
            batch_statement = batch_statement.where(col(Challenge.id) < last_id)
        batch = session.exec(batch_statement.order_by(col(Challenge.id).desc()).limit(200)).all()
        more = len(batch) == 200
        for challenge in batch:
            last_id = challenge.id
            if current_phase(challenge, now) in wanted:
                kept.append(challenge)
                if len(kept) == limit:
                    more = more or challenge is not batch[-1]
                    break
    roles = roles_by_challenge(session, [c.id for c in kept if c.id is not None], user)
    shown = translated.summary_texts(
        session, [(c.id, c.original_language) for c in kept if c.id is not None], lang
    )
    items = [service.to_summary(c, roles.get(c.id or 0, set()), shown.get(c.id or 0)) for c in kept]
    next_cursor = encode_cursor(last_id) if more and last_id is not None else None
    return Page[ChallengeSummary](items=items, next_cursor=next_cursor)


@router.post(
    "/challenges", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 409)
)
def create_challenge(
    body: ChallengeCreate, user: CurrentUser, session: SessionDep
) -> ChallengeStaffView:
    """Launch a new call as a draft; you become its organiser. Needs a verified e-mail."""
    challenge = service.create_challenge(session, user, body)
    view = service.to_public(challenge, roles_in(session, challenge, user), staff=True)
    assert isinstance(view, ChallengeStaffView)
    return view


@router.get(
    "/challenges/{slug}",
    response_model=ChallengePublic | ChallengeStaffView,
    responses=error_responses(404),
)
def get_challenge(access: ChallengeDep, lang: LangQuery = None) -> ChallengePublic:
    """A call's public page; organisers and screeners also get its settings. Drafts are
    visible only to their staff. With `lang`, its texts in that language where the call is
    given in it (`content_language` says which; `untranslated` names the texts left in the
    original)."""
    return service.view(access, lang)


@router.patch("/challenges/{slug}", responses=error_responses(401, 403, 404))
def update_challenge(
    body: ChallengeUpdate, access: OrganiserOf, session: SessionDep
) -> ChallengeStaffView:
    """Edit a call's content, timeline, limits, eligibility rules and screening reasons
    (audited: before and after of every changed field)."""
    service.update_challenge(session, access, body)
    return service.view(access)  # type: ignore[return-value]


@router.post("/challenges/{slug}/publish", responses=error_responses(401, 403, 404, 409))
def publish_challenge(access: OrganiserOf, session: SessionDep) -> ChallengeStaffView:
    """Publish the call (needs title, prompt, opens_at and closes_at)."""
    service.publish(session, access)
    return service.view(access)  # type: ignore[return-value]


@router.post("/challenges/{slug}/close", responses=error_responses(401, 403, 404, 409))
def close_challenge(access: OrganiserOf, session: SessionDep) -> ChallengeStaffView:
    """Stop taking entries now, before the deadline."""
    service.close(session, access)
    return service.view(access)  # type: ignore[return-value]


@router.post("/challenges/{slug}/archive", responses=error_responses(401, 403, 404))
def archive_challenge(access: OrganiserOf, session: SessionDep) -> ChallengeStaffView:
    """Archive the call: it stays readable but leaves the lists of current calls."""
    service.archive(session, access)
    return service.view(access)  # type: ignore[return-value]


@router.post("/challenges/{slug}/phase", responses=error_responses(401, 403, 404, 409))
def override_phase(
    body: PhaseOverrideIn, access: OrganiserOf, session: SessionDep
) -> ChallengeStaffView:
    """Override the phase the dates give (or clear the override with `phase: null`);
    the reason is audited."""
    service.override_phase(session, access, body)
    return service.view(access)  # type: ignore[return-value]


@router.post(
    "/challenges/{slug}/clone",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409),
)
def clone_challenge(body: CloneIn, access: OrganiserOf, session: SessionDep) -> ChallengeStaffView:
    """Copy the call's content, form and committee (never its entries) into a new draft."""
    copy = service.clone(session, access, body)
    assert copy.id is not None
    view = service.to_public(
        copy,
        roles_in(session, copy, access.user),
        staff=True,
        translations=translated.of_challenge(session, copy.id),
    )
    assert isinstance(view, ChallengeStaffView)
    return view


@router.put(
    "/challenges/{slug}/cover",
    responses=error_responses(400, 401, 403, 404, 413, 415, 503, 507),
    openapi_extra=upload_body(FILE_KINDS["image"]),
)
async def upload_cover(
    slug: str, request: Request, filename: Annotated[str, Query(max_length=255)] = "cover"
) -> ChallengeStaffView:
    """Upload the cover image as the raw request body (JPEG, PNG, WebP or GIF, ≤ 5 MB);
    its metadata (EXIF) is stripped."""

    def plan(session: Session, user: User | None) -> UploadPlan:
        ChallengeAccess(session, load_challenge(session, slug, user), user).need_organiser()
        return UploadPlan(
            max_bytes=COVER_MAX_BYTES, allowed=allowed_types(["image"]), field="cover"
        )

    def save(
        session: Session, user: User | None, stored: StoredUpload, storage: Storage
    ) -> ChallengeStaffView:
        access = ChallengeAccess(session, load_challenge(session, slug, user), user)
        access.need_organiser()
        service.set_cover(session, access, stored, storage)
        return service.view(access)  # type: ignore[return-value]

    return await handle_upload(request, filename, plan, save)


@router.get(
    "/challenges/{slug}/cover",
    responses=file_responses(404, types=FILE_KINDS["image"]),
    response_class=Response,
)
def get_cover(access: ChallengeDep, session: SessionDep, request: Request) -> Response:
    """The cover image of a call."""
    challenge = access.challenge
    file = session.get(StoredFile, challenge.cover_file_id) if challenge.cover_file_id else None
    if file is None:
        raise NotFound("This call has no cover image.")
    return download_response(
        make_storage(request.app.state.settings),
        storage_key=file.storage_key,
        content_type=file.content_type,
        filename=file.original_name,
        size=file.size,
    )
