"""The shape of every upload route: authorise, stream the body to storage, then record it.

The body is streamed outside any database transaction (a slow phone may take minutes), and
the record is written afterwards; if that fails, the stored file is removed, so no file is
ever left without its record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from app.core.deps import open_session, resolve_auth
from app.files.storage import Storage, make_storage
from app.files.upload import StoredUpload, receive_upload
from app.models import User

T = TypeVar("T")


@dataclass(frozen=True)
class UploadPlan:
    """What the route allows for this upload, decided before a byte is read."""

    max_bytes: int
    allowed: frozenset[str]
    field: str | None = None


async def handle_upload(
    request: Request,
    filename: str | None,
    plan: Callable[[Session, User | None], UploadPlan],
    save: Callable[[Session, User | None, StoredUpload, Storage], T],
) -> T:
    settings = request.app.state.settings
    storage = make_storage(settings)

    def _plan() -> UploadPlan:
        with open_session(request) as session:
            auth = resolve_auth(request, session, settings)
            return plan(session, auth.user if auth else None)

    upload_plan = await run_in_threadpool(_plan)
    stored = await receive_upload(
        storage,
        request.stream(),
        filename=filename,
        max_bytes=upload_plan.max_bytes,
        allowed=upload_plan.allowed,
        field=upload_plan.field,
    )

    def _save() -> T:
        try:
            with open_session(request) as session:
                auth = resolve_auth(request, session, settings)
                return save(session, auth.user if auth else None, stored, storage)
        except BaseException:
            storage.delete(stored.storage_key)
            raise

    return await run_in_threadpool(_save)
