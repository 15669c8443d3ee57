"""Files a crash left behind in the upload directory, removed when the app starts.

An upload is written to a hidden temporary file, renamed into place, and only then recorded
in `stored_file`; removing a file deletes its record first. A process killed between those
steps leaves a temporary file, or a file no record names. Such a file is never served (only
recorded keys are), but it takes space and a backup would copy it. At start-up every such
file older than `upload_orphan_grace_seconds` goes; the grace keeps an upload that another
host is finishing right now (its file renamed, its record not yet committed) safe.

Object storage has no listing in the storage interface: an S3 bucket's unfinished multipart
uploads are cleared by the bucket's lifecycle rule (README, Storage).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.files.storage import LocalStorage, Storage, validate_key
from app.models import StoredFile

log = logging.getLogger("opencall.files")
_BATCH = 500


@dataclass(frozen=True)
class Swept:
    orphans: int  # whole files no record names
    partial: int  # temporary files of writes that never finished


def sweep_orphans(engine: Engine, storage: Storage, grace_seconds: float) -> Swept:
    """Delete the files older than the grace that no `stored_file` row names, and the
    temporary files of unfinished writes; the local disk only."""
    if not isinstance(storage, LocalStorage):
        return Swept(0, 0)
    cutoff = time.time() - grace_seconds
    keys: list[str] = []
    partial: list[Path] = []
    for path in storage.root.rglob("*"):
        try:
            if not path.is_file() or path.stat().st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue  # gone meanwhile
        if path.name.startswith(".") and path.name.endswith(".part"):
            partial.append(path)
            continue
        key = path.relative_to(storage.root).as_posix()
        try:
            keys.append(validate_key(key))
        except ValueError:
            continue  # not a file the storage wrote: not ours to remove
    orphans = 0
    with Session(engine) as session:
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            known = set(
                session.exec(
                    select(StoredFile.storage_key).where(col(StoredFile.storage_key).in_(batch))
                ).all()
            )
            for key in batch:
                if key not in known:
                    storage.delete(key)
                    orphans += 1
    for path in partial:
        path.unlink(missing_ok=True)
    if orphans or partial:
        log.warning(
            "removed %d file(s) no record names and %d unfinished upload(s) left by a crash",
            orphans,
            len(partial),
        )
    return Swept(orphans, len(partial))
