"""`opencall backup` and `opencall restore`: the order of the steps and the checks between
them (see the package's docstring for why this order makes a consistent copy)."""

from __future__ import annotations

import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path

from rich.progress import Progress

from app.backup.database import backup_database, database_kind, database_tables, restore_database
from app.backup.manifest import (
    DATABASE_FILES,
    MANIFEST_NAME,
    UPLOADS_DIR,
    BackupError,
    Manifest,
    read_manifest,
    safe_relative,
    sha256_of,
)
from app.backup.uploads import (
    check_restorable,
    copy_uploads,
    restore_uploads,
    stored_file_example,
)
from app.core.config import Settings

# Taking the whole backup again after a file vanished mid-copy: a deletion racing the copy
# is rare, three in a row would mean something else is wrong.
ATTEMPTS = 3


def create_backup(settings: Settings, destination: Path, progress: Progress) -> Manifest:
    """Write a backup of the configured database and uploads to ``destination``, which must
    not exist (a backup never overwrites). Safe while the server takes writes.

    The manifest's ``missing_files`` lists files the copied database names that were not
    stored on every one of ATTEMPTS tries (lost before the backup, or deleted each time in
    the instant between snapshot and copy); the backup is kept, and the caller should say so.
    """
    destination = destination.absolute()
    if destination.exists() or destination.is_symlink():
        raise BackupError(
            f"{destination} already exists; a backup never overwrites anything. "
            "Give a new name, e.g. one with today's date."
        )
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist; create it first.")
    upload_root = Path(settings.upload_dir).resolve()
    if settings.storage_backend == "local" and destination.resolve().is_relative_to(upload_root):
        raise BackupError(
            f"{destination} is inside the upload directory {upload_root}; "
            "back up to a folder outside it."
        )
    for attempt in range(1, ATTEMPTS + 1):
        partial = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.partial")
        partial.mkdir()
        try:
            manifest = _write_backup(settings, partial, progress)
            if manifest.missing_files and attempt < ATTEMPTS:
                shutil.rmtree(partial)
                continue
            (partial / MANIFEST_NAME).write_text(manifest.to_json() + "\n", encoding="utf-8")
            if destination.exists():
                raise BackupError(f"{destination} appeared while the backup was being made.")
            partial.rename(destination)
            return manifest
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def _write_backup(settings: Settings, partial: Path, progress: Progress) -> Manifest:
    kind = database_kind(settings)
    database_file = partial / DATABASE_FILES[kind]
    task = progress.add_task("Database", total=None)
    # The database first: every file its rows name was stored before the rows committed.
    snapshot = backup_database(settings, database_file)
    progress.update(task, total=1, completed=1)
    files = copy_uploads(settings, list(snapshot.stored_files), partial / UPLOADS_DIR, progress)
    missing = sorted(
        key
        for key, sha256 in snapshot.stored_files.items()
        if files.get(key, {}).get("sha256") != sha256
    )
    return Manifest(
        database_kind=kind,
        alembic_revision=snapshot.alembic_revision,
        counts=snapshot.counts,
        database_sha256=sha256_of(database_file),
        storage_backend=settings.storage_backend,
        files=files,
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        missing_files=missing,
    )


def verify_backup(backup: Path, manifest: Manifest, progress: Progress) -> None:
    """Check the database file and every upload against the manifest's sha256; BackupError
    naming the damaged or missing files."""
    checks = [(manifest.database_file, manifest.database_sha256)] + [
        (f"{UPLOADS_DIR}/{safe_relative(name)}", str(meta.get("sha256")))
        for name, meta in manifest.files.items()
    ]
    task = progress.add_task("Verifying", total=len(checks))
    bad: list[str] = []
    for name, expected in checks:
        try:
            if sha256_of(backup / name) != expected:
                bad.append(f"{name} (damaged: its sha256 differs from the manifest)")
        except FileNotFoundError:
            bad.append(f"{name} (missing)")
        progress.advance(task)
    if bad:
        shown = "; ".join(bad[:10]) + (f"; and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise BackupError(f"The backup at {backup} is damaged, nothing was restored: {shown}.")


def restore_backup(
    settings: Settings, backup: Path, *, force: bool, progress: Progress
) -> Manifest:
    """Restore the backup at ``backup`` into the configured database and storage.

    The backup is verified in full before anything is written. Both targets must be empty:
    a database with no rows (no tables, or a freshly migrated schema) and storage with no
    files; ``force`` restores over them instead: the database is replaced entirely, the
    backup's files are added to the storage (files already there under other names stay; no
    restored row names them). A backup restores into either storage backend, whichever
    made it. Returns the manifest, whose counts the restored database was checked to match.
    """
    manifest = read_manifest(backup)
    kind = database_kind(settings)
    if manifest.database_kind != kind:
        raise BackupError(
            f"This backup holds a {manifest.database_kind} database, but OPENCALL_DATABASE_URL "
            f"names a {kind} one; restore it into a {manifest.database_kind} database."
        )
    verify_backup(backup, manifest, progress)
    check_restorable(settings, manifest.files)

    tables, with_rows = database_tables(settings)
    if not force:
        problems = []
        if with_rows:
            problems.append(
                f"the database already holds data (in {len(with_rows)} tables, "
                f"e.g. {', '.join(sorted(with_rows)[:3])})"
            )
        example = stored_file_example(settings)
        if example is not None:
            where = "upload directory" if settings.storage_backend == "local" else "bucket"
            problems.append(f"the {where} already holds files (e.g. {example})")
        if problems:
            raise BackupError(
                "Nothing was restored: "
                + " and ".join(problems)
                + ". Restore into an empty database and storage, or give --force to replace "
                "the database and add the backup's files to the storage."
            )

    task = progress.add_task("Database", total=None)
    restored = restore_database(settings, backup / manifest.database_file, tables)
    progress.update(task, total=1, completed=1)
    restore_uploads(settings, backup / UPLOADS_DIR, manifest.files, progress)
    if restored.counts != manifest.counts:
        raise BackupError(
            f"The restored database holds {restored.counts}, the manifest says "
            f"{manifest.counts}: the backup's database file does not match its manifest."
        )
    return manifest
