"""/api/challenges/{slug}/exports: the contest's tables as analysis-ready CSV, streamed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.challenges.access import OrganiserOf
from app.core.deps import get_engine
from app.core.errors import error_responses
from app.exports import entries
from app.exports.csvfile import csv_chunks, csv_response

router = APIRouter(prefix="/api/challenges/{slug}/exports", tags=["exports"])

CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The table, RFC 4180, UTF-8"}
}
Bom = Annotated[bool, Query(description="Start with a UTF-8 byte-order mark, for Excel")]


@router.get(
    "/entries.csv",
    responses={**error_responses(401, 403, 404), **CSV},
    response_class=StreamingResponse,
)
def entries_csv(access: OrganiserOf, request: Request, bom: Bom = False) -> StreamingResponse:
    """Every entry of the call, one row each: its status, eligibility and reason, channel,
    country and income group, the entrant, the timestamps, and one column per question of
    the form (organisers)."""
    challenge_id = access.challenge.id
    assert challenge_id is not None
    fields = entries.form_fields(access.session, challenge_id)
    header = [c.name for c in entries.columns(fields)]
    rows = entries.rows(get_engine(request), challenge_id, fields)
    return csv_response(f"{access.challenge.slug}-entries.csv", csv_chunks(header, rows, bom=bom))
