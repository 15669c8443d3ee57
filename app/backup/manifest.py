"""What a backup holds: manifest.json, read and written, and the checks on its files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "opencall-backup"
MANIFEST_VERSION = 1
UPLOADS_DIR = "uploads"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# The rows a manifest counts, by table; "files" are stored_file rows (the uploads they name).
COUNTED_TABLES = {
    "entries": "entry",
    "scorecards": "scorecard",
    "votes": "vote",
    "files": "stored_file",
}
_CHUNK_BYTES = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message tells the operator why
    and what to do."""


@dataclass
class Manifest:
    database_kind: str
    alembic_revision: str
    counts: dict[str, int]
    database_sha256: str
    storage_backend: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> size, sha256
    created_at: str = ""
    # Files the database names that could not be copied (see service.create_backup).
    missing_files: list[str] = field(default_factory=list)

    @property
    def database_file(self) -> str:
        return DATABASE_FILES[self.database_kind]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": MANIFEST_FORMAT,
                "version": MANIFEST_VERSION,
                "created_at": self.created_at,
                "database": {
                    "kind": self.database_kind,
                    "file": self.database_file,
                    "sha256": self.database_sha256,
                },
                "alembic_revision": self.alembic_revision,
                "counts": self.counts,
                "storage_backend": self.storage_backend,
                "files": self.files,
                "missing_files": self.missing_files,
            },
            indent=2,
            sort_keys=True,
        )


def read_manifest(backup: Path) -> Manifest:
    """The manifest of the backup at ``backup``; BackupError when it is not one this version
    of OpenCall can read."""
    path = backup / MANIFEST_NAME
    if not backup.is_dir():
        raise BackupError(f"{backup} is not a backup directory (made by `opencall backup`).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{backup} has no {MANIFEST_NAME}: not an OpenCall backup.") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{path} is not an OpenCall backup manifest.")
    if data.get("version") != MANIFEST_VERSION:
        raise BackupError(
            f"{path} is version {data.get('version')} of the backup format; this OpenCall "
            f"reads version {MANIFEST_VERSION}. Restore with the OpenCall that made it."
        )
    try:
        database = data["database"]
        if database["kind"] not in DATABASE_FILES:
            raise ValueError(f"unknown database kind {database['kind']!r}")
        files = {str(name): dict(meta) for name, meta in data["files"].items()}
        for name in files:
            safe_relative(name)
        return Manifest(
            database_kind=database["kind"],
            alembic_revision=str(data["alembic_revision"]),
            counts={name: int(data["counts"][name]) for name in COUNTED_TABLES},
            database_sha256=str(database["sha256"]),
            storage_backend=str(data["storage_backend"]),
            files=files,
            created_at=str(data["created_at"]),
            missing_files=[str(k) for k in data.get("missing_files", [])],
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BackupError(f"{path} is incomplete or damaged ({exc!r}).") from None


def safe_relative(name: str) -> PurePosixPath:
    """A file name from a manifest that stays inside the folder it is joined to; a crafted
    manifest naming "../x" or "/etc/x" is refused."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise BackupError(f"The manifest names an unsafe path {name!r}; refusing this backup.")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
