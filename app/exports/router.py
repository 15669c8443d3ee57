"""/api/challenges/{slug}/exports: the contest's tables as analysis-ready CSV, streamed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.challenges.access import OrganiserOf
from app.core.deps import SettingsDep, get_engine
from app.core.errors import error_responses
from app.exports import entries, judging, people, votes
from app.exports.csvfile import csv_chunks, csv_response

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


# The tables whose rows need only the challenge: (columns, rows, what the route says).
TABLES = {
    "participants": (
        people.PARTICIPANTS,
        people.participants,
        "Every entrant and teammate, one row per person per entry (organisers).",
    ),
    "scorecards": (
        judging.SCORECARDS,
        judging.scorecards,
        "One row per scorecard and criterion: the raw value, or N/A (organisers).",
    ),
    "scores": (
        judging.SCORES,
        judging.scores,
        "Each entry's statistics per round, with rank and advancement (organisers).",
    ),
    "judges": (
        judging.JUDGES,
        judging.judges,
        "The panel: perspective tags, languages, load and scorecards done (organisers).",
    ),
    "conflicts": (
        judging.CONFLICTS,
        judging.conflicts,
        "The conflict register: recorded, declared and detected (organisers).",
    ),
    "results": (
        people.RESULTS,
        people.results_rows,
        "The final ranking as it stands now, in the published table's shape (organisers).",
    ),
    "awards": (people.AWARDS, people.awards, "Every award given (organisers)."),
    "audit": (
        people.AUDIT,
        people.audit,
        "The call's audit log: who did what, when, what changed and why (organisers).",
    ),
}


def _table_route(table: str) -> None:
    columns, rows_of, doc = TABLES[table]

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


for _name in TABLES:
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
    full = entries.columns(fields)
    shared, _ = entries.anonymised(full, fields, iter(()), secret_key="", challenge_id=challenge_id)
    rows = [
        *(("entries", c.name, c.type, c.meaning) for c in full),
        *(("entries-anonymised", c.name, c.type, c.meaning) for c in shared),
        *(("votes", c.name, c.type, c.meaning) for c in votes.COLUMNS),
        *(
            (table, c.name, c.type, c.meaning)
            for table, (columns, _rows, _doc) in TABLES.items()
            for c in columns
        ),
    ]
    return csv_response(
        f"{access.challenge.slug}-codebook.csv",
        csv_chunks(("table", "column", "type", "meaning"), rows, bom=bom),
    )
