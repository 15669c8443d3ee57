"""/api/entries/{id}/attachments and /api/attachments/{id}: files answering file fields."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from sqlmodel import Session, func, select

from app.audit.service import record
from app.challenges.form import fields_at
from app.core.db import utcnow
from app.core.deps import CurrentUser, SessionDep
from app.core.errors import Conflict, NotFound, Unprocessable, error_responses
from app.entries.access import EntryContext, load_entry
from app.entries.schemas import AttachmentPublic
from app.entries.service import require_changeable, revise
from app.entries.views import attachment_public, files_of, problems_for, team_of
from app.files.flow import UploadPlan, handle_upload
from app.files.kinds import allowed_types
from app.files.storage import Storage, make_storage
from app.files.upload import StoredUpload, download_response, file_responses, upload_body
from app.models import EntryStatus, FieldType, FormField, StoredFile, User

router = APIRouter(prefix="/api", tags=["entries"])

MB = 1024 * 1024


def _file_field(session: Session, ctx: EntryContext, key: str) -> FormField:
    assert ctx.challenge.id is not None
    for field in fields_at(session, ctx.challenge.id):
        if field.key == key and field.type == FieldType.file:
            return field
    raise Unprocessable(f"field: this form has no file question `{key}`", field="field")


def _count(session: Session, entry_id: int, key: str) -> int:
    return session.exec(
        select(func.count())
        .select_from(StoredFile)
        .where(StoredFile.entry_id == entry_id, StoredFile.field_key == key)
    ).one()


def _check_room(session: Session, ctx: EntryContext, field: FormField) -> None:
    assert ctx.entry.id is not None
    limit = field.config.get("max_files", 1)
    if _count(session, ctx.entry.id, field.key) >= limit:
        raise Conflict(
            f"This question takes at most {limit} file{'s' if limit != 1 else ''}; remove one first.",
            field=f"answers.{field.key}",
            code="too_many_files",
        )


def _team(session: Session, entry_id: int) -> list[dict[str, str | None]]:
    return [{"name": t.name, "email": t.email} for t in team_of(session, entry_id)]


@router.post(
    "/entries/{entry_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 503, 507),
    openapi_extra=upload_body(),
)
async def upload_attachment(
    entry_id: int,
    request: Request,
    field: Annotated[str, Query(max_length=60, description="the key of the file question")],
    filename: Annotated[
        str, Query(max_length=255, description="the file's name on the uploader's device")
    ] = "file",
) -> AttachmentPublic:
    """Upload one file for a file question, as the raw request body. It is streamed to
    storage, stopped with 413 past the question's size limit and refused with 415 when its
    content (not its name) is not an accepted type; image metadata is stripped."""

    def plan(session: Session, user: User | None) -> UploadPlan:
        ctx = load_entry(session, entry_id, user)
        require_changeable(ctx)
        file_field = _file_field(session, ctx, field)
        _check_room(session, ctx, file_field)
        max_mb = float(file_field.config.get("max_size_mb", 10))
        return UploadPlan(
            max_bytes=int(max_mb * MB),
            allowed=allowed_types(file_field.config["accept"]),
            field=f"answers.{field}",
        )

    def save(
        session: Session, user: User | None, stored: StoredUpload, storage: Storage
    ) -> AttachmentPublic:
        ctx = load_entry(session, entry_id, user)
        require_changeable(ctx)  # the deadline, checked again at the write
        file_field = _file_field(session, ctx, field)
        _check_room(session, ctx, file_field)
        assert ctx.entry.id is not None
        file = StoredFile(
            storage_key=stored.storage_key,
            entry_id=ctx.entry.id,
            field_key=field,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by_id=user.id if user else None,
        )
        session.add(file)
        ctx.entry.updated_at = utcnow()
        session.add(ctx.entry)
        session.flush()
        if ctx.entry.status == EntryStatus.submitted:
            revise(session, ctx, "edit", _team(session, ctx.entry.id))
        session.commit()
        return attachment_public(file)

    return await handle_upload(request, filename, plan, save)


def _attachment(
    session: Session, attachment_id: int, user: User
) -> tuple[StoredFile, EntryContext]:
    file = session.get(StoredFile, attachment_id)
    if file is None or file.entry_id is None:
        raise NotFound("No such file.")
    return file, load_entry(session, file.entry_id, user)


@router.get(
    "/attachments/{attachment_id}",
    responses=file_responses(401, 404),
    response_class=Response,
)
def download_attachment(
    attachment_id: int, user: CurrentUser, session: SessionDep, request: Request
) -> Response:
    """Download a file of an entry (its entrant and its challenge's staff only)."""
    file, _ = _attachment(session, attachment_id, user)
    return download_response(
        make_storage(request.app.state.settings),
        storage_key=file.storage_key,
        content_type=file.content_type,
        filename=file.original_name,
        size=file.size,
    )


@router.delete(
    "/attachments/{attachment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409),
)
def delete_attachment(
    attachment_id: int, user: CurrentUser, session: SessionDep, request: Request
) -> None:
    """Remove a file from an entry that can still change (a submitted entry must stay complete)."""
    file, ctx = _attachment(session, attachment_id, user)
    require_changeable(ctx)
    entry = ctx.entry
    assert entry.id is not None
    key = file.storage_key
    session.delete(file)
    session.flush()
    if entry.status == EntryStatus.submitted:
        team = _team(session, entry.id)
        problems = [
            p
            for p in problems_for(session, ctx, team, files_of(session, entry.id))
            if p.field == f"answers.{file.field_key}"
        ]
        if problems:
            session.rollback()
            raise Unprocessable(
                f"{problems[0].field}: {problems[0].message}", field=problems[0].field
            )
        revise(session, ctx, "edit", team)
        record(
            session,
            actor=user,
            action="entry.remove_file",
            object_type="entry",
            object_id=entry.id,
            challenge_id=entry.challenge_id,
            before={"file": file.original_name, "sha256": file.sha256},
        )
    entry.updated_at = utcnow()
    session.add(entry)
    session.commit()
    make_storage(request.app.state.settings).delete(key)
