"""Where uploaded files live, behind a small interface so a bucket can replace the disk.

Callers hold opaque keys only. Nothing outside this module builds a path from a key: the
local backend maps keys to paths under its root, the S3 backend (app/files/s3.py) maps them
to object names in a bucket.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from app.core.config import Settings

# Segments of URL-safe characters joined by "/": no ".", "..", empty segment or leading "/".
_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*")
_MAX_KEY_LENGTH = 100  # stored_file.storage_key is String(100)
_COPY_CHUNK_BYTES = 1024 * 1024


class Writer(Protocol):
    def write(self, data: bytes) -> None: ...


class Storage(Protocol):
    """A flat namespace of immutable blobs addressed by keys from ``new_key``."""

    def new_key(self) -> str:
        """A fresh random key that no stored file uses."""
        ...

    def writer(self, key: str) -> AbstractContextManager[Writer]:
        """Write a blob: visible under ``key`` only once the block exits normally."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The blob for reading, front to back; FileNotFoundError when there is none.

        Only ``read`` and closing (``with``) are promised: an object store's stream cannot
        seek, so a caller that needs to seek copies it first (see ``seekable_copy``)."""
        ...

    def size(self, key: str) -> int:
        """The blob's size in bytes; FileNotFoundError when there is none."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error."""
        ...


def validate_key(key: str) -> str:
    """A key is URL-safe segments joined by "/", so it can never name a path outside the
    store (no "..", no absolute path, no backslash); anything else raises ValueError."""
    if len(key) > _MAX_KEY_LENGTH or not _KEY_PATTERN.fullmatch(key):
        raise ValueError(f"not a valid storage key: {key!r}")
    return key


def random_key() -> str:
    """A fresh key (192 random bits), sharded two levels deep: ``ab/cd/abcd…``."""
    token = secrets.token_urlsafe(24)
    return f"{token[:2]}/{token[2:4]}/{token}"


@contextmanager
def seekable_copy(file: BinaryIO, memory_bytes: int) -> Iterator[BinaryIO]:
    """The open blob itself when it can seek, else a copy held in memory up to
    ``memory_bytes`` and on a temporary disk file beyond."""
    if file.seekable():
        yield file
        return
    with tempfile.SpooledTemporaryFile(max_size=memory_bytes) as copy:
        shutil.copyfileobj(file, copy, _COPY_CHUNK_BYTES)
        copy.seek(0)
        yield cast(BinaryIO, copy)


class _FileWriter:
    def __init__(self, file: BinaryIO) -> None:
        self._file = file

    def write(self, data: bytes) -> None:
        self._file.write(data)


class LocalStorage:
    """Blobs as files under ``root``, sharded two levels deep (``ab/cd/abcd…``).

    Writes go to a hidden temporary file beside the target, are flushed and fsynced, then
    renamed into place, so a reader never sees a partial file and a crash leaves none.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*validate_key(key).split("/"))
        # The pattern already rules out escaping; this guards against a future edit to it.
        if not path.is_relative_to(self.root):
            raise ValueError(f"not a valid storage key: {key!r}")
        return path

    def new_key(self) -> str:
        return random_key()

    @contextmanager
    def writer(self, key: str) -> Iterator[Writer]:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A leading dot: no valid key can name the temporary file.
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as file:
                yield _FileWriter(file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open a directory)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_storage(settings: Settings) -> Storage:
    """The storage backend the settings name: the local disk, or an S3-compatible bucket."""
    if settings.storage_backend == "s3":
        # Imported here: boto3 takes a noticeable time to import, and a disk-only
        # installation never needs it.
        from app.files.s3 import S3Storage

        return S3Storage.from_settings(settings)
    return LocalStorage(settings.upload_dir)
