"""/api/challenges/{slug}/imports: entries from a CSV file, previewed, then imported whole."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, get_args

from fastapi import APIRouter, Request, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.challenges.access import OrganiserOf
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import AppError, BadRequest, Unprocessable, error_responses
from app.entries import imports
from app.entries.imports import ImportFile
from app.entries.schemas import ImportPreview, ImportResult, OfflineChannel
from app.files.upload import FileTooLarge, clean_filename
from app.models import Channel

router = APIRouter(prefix="/api/challenges/{slug}/imports", tags=["entries"])

# Room for the other form fields and the multipart framing around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


class NotMultipart(AppError):
    status_code = 415
    code = "unsupported_media_type"
    message = "Send the file as multipart/form-data, the CSV in the field `file`."


def _form_body(*fields: tuple[str, str]) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads its multipart form itself."""
    properties: dict[str, Any] = {
        "file": {"type": "string", "format": "binary", "description": "the CSV file"}
    }
    properties.update({name: {"type": "string", "description": about} for name, about in fields})
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "required": ["file"], "properties": properties}
                }
            },
        }
    }


MAPPING = (
    "mapping",
    'JSON: each column\'s header to a target key, e.g. {"Name": "submitter_name", '
    '"Country": "answer:country", "Notes": null}',
)
CHANNEL = ("channel", "how the entries came in: email, paper, whatsapp, sms, in_person, drop_box")


def _too_large(max_bytes: int) -> FileTooLarge:
    return FileTooLarge(
        f"The file is larger than {max_bytes / 1_000_000:g} MB, the limit for one import: "
        "split it into several files.",
        field="file",
    )


async def _limited(
    chunks: AsyncIterator[bytes], limit: int, max_bytes: int
) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise _too_large(max_bytes)
        yield chunk


async def _read_form(request: Request, max_bytes: int) -> tuple[ImportFile, dict[str, str]]:
    """The form, its body counted as it arrives and stopped with 413 the moment it passes
    the limit (a declared Content-Length over it is refused before a byte is read)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise NotMultipart()
    limit = max_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(max_bytes)
    parser = MultiPartParser(
        request.headers,
        _limited(request.stream(), limit, max_bytes),
        max_files=1,
        max_fields=10,
        max_part_size=FORM_OVERHEAD_BYTES,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(f"The form could not be read ({exc}).", code="bad_form") from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Unprocessable("file: is required: attach the CSV file as `file`", field="file")
        if upload.size is not None and upload.size > max_bytes:
            raise _too_large(max_bytes)
        data = await upload.read()
        fields = {name: value for name, value in form.multi_items() if isinstance(value, str)}
        return ImportFile(name=clean_filename(upload.filename), data=data), fields
    finally:
        await form.close()


def parse_mapping(text: str | None) -> dict[str, str | None] | None:
    """The `mapping` form field: a JSON object from column header to target; "" or null
    leaves a column out. None when not sent."""
    if text is None or not text.strip():
        return None
    shape = (
        'mapping: must be a JSON object from each column\'s header to a field, such as {"Name": '
        '"submitter_name", "Notes": null} (null leaves a column out)'
    )
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unprocessable(shape, field="mapping") from exc
    if not isinstance(value, dict) or not all(
        v is None or isinstance(v, str) for v in value.values()
    ):
        raise Unprocessable(shape, field="mapping")
    return {str(column): target or None for column, target in value.items()}


def parse_channel(text: str | None) -> Channel:
    """The `channel` form field: one of the offline channels."""
    allowed = ", ".join(get_args(OfflineChannel))
    if not text:
        raise Unprocessable(
            f"channel: is required: say how these entries came in ({allowed})", field="channel"
        )
    if text not in get_args(OfflineChannel):
        raise Unprocessable(
            f"channel: must be one of {allowed} (web entries come in through the site)",
            field="channel",
        )
    return Channel(text)


async def _receive(
    session: SessionDep, request: Request, max_bytes: int
) -> tuple[ImportFile, dict[str, str]]:
    """Called once the caller is known to be an organiser: the connection goes back to the
    pool while the file arrives (a phone on a slow network may take minutes)."""
    await run_in_threadpool(session.commit)
    return await _read_form(request, max_bytes)


@router.post(
    "/preview",
    responses=error_responses(400, 401, 403, 404, 413, 415),
    openapi_extra=_form_body(MAPPING),
)
async def preview_import(
    access: OrganiserOf, session: SessionDep, settings: SettingsDep, request: Request
) -> ImportPreview:
    """Check a CSV file of entries without importing it (organisers). Send the file as
    `file` (UTF-8, with or without a byte-order mark; comma or semicolon separated; the
    first row names the columns) and optionally `mapping`. Without a mapping one is
    suggested, matching headers to the targets' keys and labels.

    The answer lists the columns, the mapping used, the targets (the entry's title,
    summary, category, language, submitter's name and contact, licence agreement, and
    `answer:<key>` for each question; file questions cannot be filled from a CSV and are
    listed apart), the number of rows, the first 50 rows as they would be stored, and every
    problem in the file as {row, column, field, message}, rows numbered as a spreadsheet
    shows them (the header is row 1). Multiple choices are separated by `;` in a cell.
    A file that cannot be read as a table (empty, not UTF-8, badly quoted, more rows than
    the limit) answers 422; one larger than the limit answers 413."""
    file, fields = await _receive(session, request, settings.import_max_bytes)
    mapping = parse_mapping(fields.get("mapping"))
    return await run_in_threadpool(
        imports.preview, session, access, file, mapping, settings.import_max_rows
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415),
    openapi_extra=_form_body(MAPPING, CHANNEL),
)
async def import_entries(
    access: OrganiserOf, session: SessionDep, settings: SettingsDep, request: Request
) -> ImportResult:
    """Import a CSV file of entries, all or nothing (organisers). Send the same `file` and
    `mapping` as the preview, and the `channel` the entries came through (email, paper,
    whatsapp, sms, in_person, drop_box). If any row has a problem, nothing is written and
    the answer is 422 with every problem in `details` as {row, column, field, message}.

    Otherwise every row becomes a submitted entry, exactly as one taken on someone's behalf
    and then submitted: no owner account, the channel and the submitter recorded, the
    next references, a revision, the eligibility rules' outcomes, screening pending. As
    with entries taken by hand, this is possible until judging starts (409 after). The
    import is audited (`entries.import` with the count, channel, file name and SHA-256,
    and `entry.submit` for each entry). No receipt is mailed: people who entered offline
    have no account, so staff hand them their reference."""
    file, fields = await _receive(session, request, settings.import_max_bytes)
    channel = parse_channel(fields.get("channel"))
    mapping = parse_mapping(fields.get("mapping"))
    if mapping is None:
        raise Unprocessable(
            "mapping: is required: send the mapping the preview showed", field="mapping"
        )
    return await run_in_threadpool(
        imports.import_entries, session, access, file, mapping, channel, settings.import_max_rows
    )
