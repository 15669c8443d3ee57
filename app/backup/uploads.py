"""Copying the uploaded files out and back in: from the upload directory (every finished
file), or, with an S3-compatible bucket, through the Storage interface (the files the
copied database names, since a bucket is not listed through that interface)."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from rich.progress import Progress

from app.backup.manifest import BackupError, safe_relative
from app.core.config import Settings
from app.files.storage import make_storage, validate_key

_CHUNK_BYTES = 1024 * 1024


def upload_files(root: Path) -> Iterator[Path]:
    """Every finished file under the upload directory: hidden names (LocalStorage's
    temporary files, still being written) and symbolic links are left out."""
    if not root.is_dir():
        return
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for name in sorted(names):
            path = Path(directory, name)
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                yield path


def _copy_hashing(reader: BinaryIO, target: Path) -> tuple[int, str]:
    """Copy ``reader`` to the file ``target`` (via a hidden temporary name, so a crash
    leaves no partial file under the real name); the size and sha256 copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    digest = hashlib.sha256()
    size = 0
    try:
        with temporary.open("wb") as writer:
            while chunk := reader.read(_CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def copy_uploads(
    settings: Settings, keys: list[str], target: Path, progress: Progress
) -> dict[str, dict[str, Any]]:
    """Copy the uploads into ``target``: every file of the upload directory, or from a
    bucket the files under ``keys``. Returns each copied file's size and sha256 by name; a
    file deleted while this runs is left out."""
    sources: list[tuple[str, Path | None]]
    if settings.storage_backend == "local":
        root = Path(settings.upload_dir).resolve()
        sources = [(path.relative_to(root).as_posix(), path) for path in upload_files(root)]
    else:
        sources = [(key, None) for key in sorted(keys)]
    storage = make_storage(settings) if settings.storage_backend != "local" else None
    task = progress.add_task("Uploads", total=len(sources))
    files: dict[str, dict[str, Any]] = {}
    for name, path in sources:
        try:
            if path is not None:
                reader: BinaryIO = path.open("rb")
            else:
                assert storage is not None
                reader = storage.open(name)
            with reader:
                size, sha256 = _copy_hashing(reader, target / name)
        except FileNotFoundError:
            pass  # deleted since it was listed; the caller checks whether the snapshot needs it
        else:
            files[name] = {"size": size, "sha256": sha256}
        progress.advance(task)
    return files


def stored_file_example(settings: Settings) -> str | None:
    """The name of one file already in the configured storage, or None when it holds none."""
    if settings.storage_backend == "local":
        root = Path(settings.upload_dir).resolve()
        found = next(upload_files(root), None)
        return None if found is None else f"{root}/{found.relative_to(root).as_posix()}"
    from app.files.s3 import S3Storage

    storage = make_storage(settings)
    assert isinstance(storage, S3Storage)
    prefix = f"{storage.prefix}/" if storage.prefix else ""
    listed = storage.client.list_objects_v2(Bucket=storage.bucket, Prefix=prefix, MaxKeys=1)
    objects = listed.get("Contents", [])
    return f"s3://{storage.bucket}/{objects[0]['Key']}" if objects else None


def check_restorable(settings: Settings, files: dict[str, dict[str, Any]]) -> None:
    """Refuse, before anything is written, names a bucket cannot take: there every name must
    be a storage key (a stray file copied from an upload directory may not be)."""
    if settings.storage_backend == "local":
        return
    unusable = []
    for name in files:
        try:
            validate_key(name)
        except ValueError:
            unusable.append(name)
    if unusable:
        raise BackupError(
            f"Nothing was restored: {len(unusable)} files of the backup have names that are not "
            f"storage keys, so they cannot go into the bucket (e.g. {unusable[0]!r}). Restore "
            "into the local backend, or remove those files from the backup and its manifest."
        )


def restore_uploads(
    settings: Settings, source: Path, files: dict[str, dict[str, Any]], progress: Progress
) -> None:
    """Write the backup's files (in ``source``) into the configured storage, checking each
    one's sha256 again as it is written."""
    storage = make_storage(settings) if settings.storage_backend != "local" else None
    root = Path(settings.upload_dir).resolve()
    task = progress.add_task("Uploads", total=len(files))
    for name, meta in files.items():
        relative = safe_relative(name)
        with (source / relative).open("rb") as reader:
            if storage is None:
                target = root.joinpath(*relative.parts)
                _, sha256 = _copy_hashing(reader, target)
                if sha256 != meta.get("sha256"):
                    target.unlink(missing_ok=True)
            else:
                key = validate_key(name)  # checked beforehand by check_restorable
                digest = hashlib.sha256()
                with storage.writer(key) as writer:
                    while chunk := reader.read(_CHUNK_BYTES):
                        digest.update(chunk)
                        writer.write(chunk)
                sha256 = digest.hexdigest()
                if sha256 != meta.get("sha256"):
                    storage.delete(key)
        if sha256 != meta.get("sha256"):
            raise BackupError(f"uploads/{name} changed while it was being restored.")
        progress.advance(task)
