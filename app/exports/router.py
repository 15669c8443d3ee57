"""/api/challenges/{slug}/exports: the contest's tables as analysis-ready CSV, streamed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.challenges.access import ChallengeAccess, OrganiserOf
from app.core.config import Settings
from app.core.deps import SettingsDep, get_engine
from app.core.errors import error_responses
from app.exports import catalogue, entries
from app.exports.csvfile import csv_response
from app.results import service as results

router = APIRouter(prefix="/api/challenges/{slug}/exports", tags=["exports"])

CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The table, RFC 4180, UTF-8"}
}
Bom = Annotated[bool, Query(description="Start with a UTF-8 byte-order mark, for Excel")]
Anonymised = Annotated[
    bool,
    Query(
        description="For sharing with researchers: no names, e-mail addresses, contacts, "
        "affiliations or answers to identifying questions; entrants as stable pseudonyms"
    ),
]


def _download(
    access: ChallengeAccess,
    request: Request,
    settings: Settings,
    table: str,
    *,
    bom: bool,
    anonymised: bool = False,
) -> StreamingResponse:
    challenge = access.challenge
    assert challenge.id is not None
    fields = entries.form_fields(access.session, challenge.id)
    chunks = catalogue.table_chunks(
        get_engine(request),
        challenge.id,
        fields,
        table,
        secret_key=settings.secret_key,
        anonymised=anonymised,
        bom=bom,
    )
    suffix = "-anonymised" if anonymised else ""
    return csv_response(f"{challenge.slug}-{table}{suffix}.csv", chunks)


@router.get(
    "/entries.csv",
    responses={**error_responses(401, 403, 404), **CSV},
    response_class=StreamingResponse,
)
def entries_csv(
    access: OrganiserOf,
    request: Request,
    settings: SettingsDep,
    bom: Bom = False,
    anonymised: Anonymised = False,
) -> StreamingResponse:
    """Every entry of the call, one row each: its status, eligibility and reason, channel,
    country and income group, the entrant, the timestamps, and one column per question of
    the form (organisers)."""
    return _download(access, request, settings, "entries", bom=bom, anonymised=anonymised)


DOCS = {
    "votes": "Every vote of the call's public vote, counted, held and discarded, each voter "
    "as a pseudonym (organisers).",
    "codebook": "Every column of every export table of this call, with its type (or allowed "
    "values) and meaning; the answer columns follow the call's own form (organisers).",
    **{name: doc for name, (_columns, _rows, doc) in catalogue.TABLES.items()},
}


def _table_route(table: str) -> None:
    if table in catalogue.ANONYMISED:

        def download(
            access: OrganiserOf,
            request: Request,
            settings: SettingsDep,
            bom: Bom = False,
            anonymised: Anonymised = False,
        ) -> StreamingResponse:
            return _download(access, request, settings, table, bom=bom, anonymised=anonymised)

    else:

        def download(  # type: ignore[misc]  # the same route without the anonymised variant
            access: OrganiserOf, request: Request, settings: SettingsDep, bom: Bom = False
        ) -> StreamingResponse:
            return _download(access, request, settings, table, bom=bom)

    download.__doc__ = DOCS[table]
    router.add_api_route(
        f"/{table}.csv",
        download,
        methods=["GET"],
        name=f"{table}_csv",
        responses={**error_responses(401, 403, 404), **CSV},
        response_class=StreamingResponse,
    )


for _name in catalogue.table_names():
    if _name != "entries":
        _table_route(_name)


@router.get(
    "/bundle.zip",
    responses={
        **error_responses(401, 403, 404),
        200: {"content": {"application/zip": {}}, "description": "Every table, streamed"},
    },
    response_class=StreamingResponse,
)
def bundle_zip(
    access: OrganiserOf,
    request: Request,
    settings: SettingsDep,
    anonymised: Annotated[
        bool,
        Query(
            description="Every table's variant to share with researchers, and no audit log "
            "(it names people throughout)"
        ),
    ] = False,
) -> StreamingResponse:
    """Every table of the call, the codebook, the methods text as the results page gives
    it, and SHA256SUMS to check them with `sha256sum -c SHA256SUMS` (organisers)."""
    challenge = access.challenge
    assert challenge.id is not None
    fields = entries.form_fields(access.session, challenge.id)
    methods = results.methods_text(access.session, challenge)
    chunks = catalogue.bundle(
        get_engine(request),
        challenge.id,
        fields,
        secret_key=settings.secret_key,
        methods=methods,
        anonymised=anonymised,
    )
    name = f"{challenge.slug}-bundle{'-anonymised' if anonymised else ''}.zip"
    return StreamingResponse(
        chunks,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
