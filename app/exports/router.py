"""/api/challenges/{slug}/exports: the contest's tables as analysis-ready CSV, streamed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.challenges.access import OrganiserOf
from app.core.deps import SettingsDep, get_engine
from app.core.errors import error_responses
from app.exports import catalogue, entries, votes
from app.exports.csvfile import csv_chunks, csv_response
from app.results import service as results

router = APIRouter(prefix="/api/challenges/{slug}/exports", tags=["exports"])

CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The table, RFC 4180, UTF-8"}
}
Bom = Annotated[bool, Query(description="Start with a UTF-8 byte-order mark, for Excel")]
Anonymised = Annotated[
    bool,
    Query(
        description="For sharing with researchers: no names, e-mail addresses, contacts or "
        "answers to identifying questions; people as stable pseudonyms"
    ),
]


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
    challenge_id = access.challenge.id
    assert challenge_id is not None
    fields = entries.form_fields(access.session, challenge_id)
    columns = entries.columns(fields)
    rows = entries.rows(get_engine(request), challenge_id, fields)
    name = f"{access.challenge.slug}-entries"
    if anonymised:
        columns, rows = entries.anonymised(
            columns, fields, rows, secret_key=settings.secret_key, challenge_id=challenge_id
        )
        name += "-anonymised"
    header = [c.name for c in columns]
    return csv_response(f"{name}.csv", csv_chunks(header, rows, bom=bom))


@router.get(
    "/votes.csv",
    responses={**error_responses(401, 403, 404), **CSV},
    response_class=StreamingResponse,
)
def votes_csv(
    access: OrganiserOf, request: Request, settings: SettingsDep, bom: Bom = False
) -> StreamingResponse:
    """Every vote of the call's public vote, counted, held and discarded, each voter as a
    pseudonym (organisers)."""
    challenge_id = access.challenge.id
    assert challenge_id is not None
    rows = votes.rows(get_engine(request), challenge_id, settings.secret_key)
    header = [c.name for c in votes.COLUMNS]
    return csv_response(f"{access.challenge.slug}-votes.csv", csv_chunks(header, rows, bom=bom))


def _table_route(table: str) -> None:
    columns, rows_of, doc = catalogue.TABLES[table]

    def download(access: OrganiserOf, request: Request, bom: Bom = False) -> StreamingResponse:
        challenge_id = access.challenge.id
        assert challenge_id is not None
        rows = rows_of(get_engine(request), challenge_id)
        header = [c.name for c in columns]
        return csv_response(
            f"{access.challenge.slug}-{table}.csv", csv_chunks(header, rows, bom=bom)
        )

    download.__doc__ = doc
    router.add_api_route(
        f"/{table}.csv",
        download,
        methods=["GET"],
        name=f"{table}_csv",
        responses={**error_responses(401, 403, 404), **CSV},
        response_class=StreamingResponse,
    )


for _name in catalogue.TABLES:
    _table_route(_name)


@router.get(
    "/codebook.csv",
    responses={**error_responses(401, 403, 404), **CSV},
    response_class=StreamingResponse,
)
def codebook_csv(access: OrganiserOf, bom: Bom = False) -> StreamingResponse:
    """Every column of every export table of this call, with its type (or allowed values)
    and meaning; the answer columns follow the call's own form (organisers)."""
    challenge_id = access.challenge.id
    assert challenge_id is not None
    fields = entries.form_fields(access.session, challenge_id)
    rows = catalogue.codebook_rows(fields, challenge_id)
    return csv_response(
        f"{access.challenge.slug}-codebook.csv",
        csv_chunks(catalogue.CODEBOOK, rows, bom=bom),
    )


@router.get(
    "/bundle.zip",
    responses={
        **error_responses(401, 403, 404),
        200: {"content": {"application/zip": {}}, "description": "Every table, streamed"},
    },
    response_class=StreamingResponse,
)
def bundle_zip(access: OrganiserOf, request: Request, settings: SettingsDep) -> StreamingResponse:
    """Every table of the call, the codebook, the methods text as the results page gives
    it, and SHA256SUMS to check them with `sha256sum -c SHA256SUMS` (organisers)."""
    challenge = access.challenge
    assert challenge.id is not None
    fields = entries.form_fields(access.session, challenge.id)
    methods = results.methods_text(access.session, challenge)
    chunks = catalogue.bundle(
        get_engine(request), challenge.id, fields, secret_key=settings.secret_key, methods=methods
    )
    return StreamingResponse(
        chunks,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{challenge.slug}-bundle.zip"'},
    )
