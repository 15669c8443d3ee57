"""Backups of a live OpenCall: the database and the uploads, consistent with each other.

A backup is a plain directory, chosen over a tar because it restores most simply: nothing
to unpack, ``pg_restore`` and ``sqlite3`` read its database file in place, ``sha256sum``
and ``ls`` inspect it, and it is built under a hidden temporary name and renamed at the
end, so a directory under the chosen name is always complete. To send it elsewhere,
tar or rsync it as it is. Its layout::

    manifest.json           what is inside (MANIFEST_VERSION), counts, sha256 of each file
    database.sqlite3        SQLite: a copy made by the online backup API
    database.pgdump         PostgreSQL: pg_dump --format=custom
    uploads/ab/cd/abcd…     every file of the upload directory, under its storage key

Consistency while the server keeps taking writes: the database is copied first, in one
snapshot (SQLite's backup API holds one read transaction; pg_dump runs in a snapshot this
module exports and reads the manifest's counts in), then the uploads. Uploads are written
(to a hidden temporary name, then renamed) before the row naming them commits, and never
change afterwards, so every file a copied row names is already on disk; files newer than
the snapshot are copied too and are harmless. The one gap is a file removed after the
snapshot (an attachment deleted, a cover replaced: the row goes first, then the file), so
the copy is checked against the snapshot's ``stored_file`` rows and taken again when one is
missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from rich.progress import Progress
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from app.core.config import Settings
from app.core.db import normalise_database_url

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
# Taking the whole backup again after a file vanished mid-copy: a deletion racing the copy
# is rare, three in a row would mean something else is wrong.
ATTEMPTS = 3
_CHUNK_BYTES = 1024 * 1024

Query = Callable[[str], Sequence[Sequence[Any]]]


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message tells the operator why
    and what to do."""


@dataclass
class Snapshot:
    """What the database held at the instant it was copied."""

    alembic_revision: str
    counts: dict[str, int]
    stored_files: dict[str, str]  # storage key -> sha256 recorded in its row


@dataclass
class Manifest:
    database_kind: str
    alembic_revision: str
    counts: dict[str, int]
    database_sha256: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> size, sha256
    created_at: str = ""
    # Files the database names that could not be copied (see create_backup).
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
        return Manifest(
            database_kind=database["kind"],
            alembic_revision=str(data["alembic_revision"]),
            counts={name: int(data["counts"][name]) for name in COUNTED_TABLES},
            database_sha256=str(database["sha256"]),
            files={str(k): dict(v) for k, v in data["files"].items()},
            created_at=str(data["created_at"]),
            missing_files=[str(k) for k in data.get("missing_files", [])],
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BackupError(f"{path} is incomplete or damaged ({exc!r}).") from None


# ---------------------------------------------------------------------------------------------
# The database side


def require_local_storage(settings: Settings) -> None:
    """Backups cover the upload directory; uploads kept in a bucket are not copied here."""
    if settings.storage_backend != "local":
        raise BackupError(
            "OPENCALL_STORAGE_BACKEND is s3: the uploads are in the bucket "
            f"{settings.s3_bucket!r}, which this command does not copy. Protect the bucket "
            "with its own versioning or replication; with the local backend, backup and "
            "restore cover the upload directory."
        )


def database_kind(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


def sqlite_path(settings: Settings) -> Path:
    """The SQLite database file the settings name; in-memory databases cannot be backed up."""
    url = make_url(normalise_database_url(settings.database_url))
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        raise BackupError("An in-memory SQLite database has nothing on disk to back up or restore.")
    return Path(database)


def find_pg_tool(name: str) -> str:
    """The path of pg_dump or pg_restore on PATH, or a BackupError saying how to install it."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools of the "
            "server's major version or newer (Debian/Ubuntu: apt install postgresql-client; "
            "macOS: brew install libpq) or add their folder to PATH."
        )
    return found


def _libpq(settings: Settings) -> tuple[str, dict[str, str]]:
    """The database URL as libpq takes it (no SQLAlchemy driver), with the password moved to
    PGPASSWORD so it never appears in the process list."""
    url: URL = make_url(normalise_database_url(settings.database_url))
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _read_snapshot(query: Query) -> Snapshot:
    """Revision, counts and stored files, read in the same snapshot as the copy."""
    rows = query("SELECT version_num FROM alembic_version")
    if not rows:
        raise BackupError("The database has no schema version: run `opencall migrate` first.")
    counts = {
        name: int(query(f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608 (fixed names)
        for name, table in COUNTED_TABLES.items()
    }
    stored = {
        str(key): str(sha) for key, sha in query("SELECT storage_key, sha256 FROM stored_file")
    }
    return Snapshot(alembic_revision=str(rows[0][0]), counts=counts, stored_files=stored)


def _sqlite_query(connection: sqlite3.Connection) -> Query:
    return lambda sql: connection.execute(sql).fetchall()


def _backup_sqlite(settings: Settings, target: Path) -> Snapshot:
    source_path = sqlite_path(settings)
    if not source_path.is_file():
        raise BackupError(
            f"There is no SQLite database at {source_path}; check OPENCALL_DATABASE_URL."
        )
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # All pages in one step, inside one read transaction: a consistent snapshot. With WAL
        # the server's writers are not blocked meanwhile (a stepwise copy would restart on
        # every write and might never finish on a busy server).
        source.backup(copy)
        # One self-contained file: no -wal or -shm beside it when it is opened later.
        copy.execute("PRAGMA journal_mode=DELETE")
        check = copy.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise BackupError(f"The copied database fails SQLite's integrity check: {check}")
        return _read_snapshot(_sqlite_query(copy))
    finally:
        copy.close()
        source.close()


def _backup_postgresql(settings: Settings, target: Path) -> Snapshot:
    pg_dump = find_pg_tool("pg_dump")
    dsn, env = _libpq(settings)
    engine = create_engine(normalise_database_url(settings.database_url))
    try:
        with engine.connect() as raw:
            connection = raw.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                # pg_dump joins this transaction's snapshot, so the dump and the counts read
                # here describe the same instant, whatever commits meanwhile.
                snapshot_id = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                snapshot = _read_snapshot(lambda sql: connection.execute(text(sql)).all())
                result = subprocess.run(  # noqa: S603 (fixed program, no shell)
                    [
                        pg_dump,
                        "--format=custom",
                        f"--snapshot={snapshot_id}",
                        f"--file={target}",
                        f"--dbname={dsn}",
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    finally:
        engine.dispose()
    return snapshot


# ---------------------------------------------------------------------------------------------
# The uploads side


def _upload_files(root: Path) -> Iterator[Path]:
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


def _copy_hashing(source: Path, target: Path) -> tuple[int, str]:
    """Copy ``source`` to ``target`` (via a hidden temporary name); its size and sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as reader, temporary.open("wb") as writer:
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_uploads(root: Path, target: Path, progress: Progress) -> dict[str, dict[str, Any]]:
    paths = list(_upload_files(root))
    task = progress.add_task("Uploads", total=len(paths))
    files: dict[str, dict[str, Any]] = {}
    for path in paths:
        name = path.relative_to(root).as_posix()
        try:
            size, sha256 = _copy_hashing(path, target / name)
        except FileNotFoundError:
            # Deleted since it was listed; create_backup checks whether the snapshot needs it.
            pass
        else:
            files[name] = {"size": size, "sha256": sha256}
        progress.advance(task)
    return files


# ---------------------------------------------------------------------------------------------
# Backup


def create_backup(settings: Settings, destination: Path, progress: Progress) -> Manifest:
    """Write a backup of the configured database and upload directory to ``destination``,
    which must not exist (a backup never overwrites). Safe while the server takes writes.

    The manifest's ``missing_files`` lists files the copied database names that were not in
    the upload directory on every one of ATTEMPTS tries (lost before the backup, or deleted
    each time in the instant between snapshot and copy); the backup is kept, and the caller
    should report them.
    """
    require_local_storage(settings)
    destination = destination.absolute()
    if destination.exists() or destination.is_symlink():
        raise BackupError(
            f"{destination} already exists; a backup never overwrites anything. "
            "Give a new name, e.g. one with today's date."
        )
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist; create it first.")
    upload_root = Path(settings.upload_dir).resolve()
    if destination.resolve().is_relative_to(upload_root):
        raise BackupError(
            f"{destination} is inside the upload directory {upload_root}; "
            "back up to a folder outside it."
        )
    kind = database_kind(settings)
    for attempt in range(1, ATTEMPTS + 1):
        partial = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.partial")
        partial.mkdir()
        try:
            manifest = _write_backup(settings, kind, partial, upload_root, progress)
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
    raise AssertionError("unreachable: the last attempt always returns")


def _write_backup(
    settings: Settings, kind: str, partial: Path, upload_root: Path, progress: Progress
) -> Manifest:
    database_file = partial / DATABASE_FILES[kind]
    task = progress.add_task("Database", total=None)
    # The database first: every file its rows name is on disk before the rows commit.
    if kind == "sqlite":
        snapshot = _backup_sqlite(settings, database_file)
    else:
        snapshot = _backup_postgresql(settings, database_file)
    progress.update(task, total=1, completed=1)
    files = _copy_uploads(upload_root, partial / UPLOADS_DIR, progress)
    missing = sorted(
        key
        for key, sha256 in snapshot.stored_files.items()
        if files.get(key, {}).get("sha256") != sha256
    )
    return Manifest(
        database_kind=kind,
        alembic_revision=snapshot.alembic_revision,
        counts=snapshot.counts,
        database_sha256=file_sha256(database_file),
        files=files,
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        missing_files=missing,
    )


# ---------------------------------------------------------------------------------------------
# Restore


def _safe_relative(name: str) -> PurePosixPath:
    """A manifest path that stays inside the folder it is joined to."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise BackupError(f"The manifest names an unsafe path {name!r}; refusing this backup.")
    return path


def verify_backup(backup: Path, manifest: Manifest, progress: Progress) -> None:
    """Check the database file and every upload against the manifest's sha256; BackupError
    naming the damaged or missing files."""
    checks = [(manifest.database_file, manifest.database_sha256)] + [
        (f"{UPLOADS_DIR}/{_safe_relative(name)}", str(meta.get("sha256")))
        for name, meta in manifest.files.items()
    ]
    task = progress.add_task("Verifying", total=len(checks))
    bad: list[str] = []
    for name, expected in checks:
        path = backup / name
        try:
            if file_sha256(path) != expected:
                bad.append(f"{name} (damaged: its sha256 differs from the manifest)")
        except FileNotFoundError:
            bad.append(f"{name} (missing)")
        progress.advance(task)
    if bad:
        shown = "; ".join(bad[:10]) + (f"; and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise BackupError(f"The backup at {backup} is damaged, nothing was restored: {shown}.")


def _tables_with_rows(tables: list[str], query: Query) -> list[str]:
    return [
        table
        for table in tables
        if table != "alembic_version" and query(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608
    ]


def _sqlite_tables_with_rows(path: Path) -> list[str]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    connection = sqlite3.connect(path, timeout=30)
    try:
        query = _sqlite_query(connection)
        names = [r[0] for r in query("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return _tables_with_rows([n for n in names if not n.startswith("sqlite_")], query)
    finally:
        connection.close()


def _postgresql_tables(settings: Settings) -> tuple[list[str], list[str]]:
    """Every table of the configured database's public schema, and those holding rows."""
    engine = create_engine(normalise_database_url(settings.database_url))
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names(schema="public")
            with_rows = _tables_with_rows(tables, lambda sql: connection.execute(text(sql)).all())
    finally:
        engine.dispose()
    return tables, with_rows


def _restore_sqlite(settings: Settings, database_file: Path) -> Snapshot:
    target = sqlite_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
    copy = sqlite3.connect(target, timeout=30)
    try:
        # Through SQLite, not a file copy: an existing target's -wal and -shm stay coherent.
        source.backup(copy)
        return _read_snapshot(_sqlite_query(copy))
    finally:
        copy.close()
        source.close()


def _restore_postgresql(settings: Settings, database_file: Path, tables: list[str]) -> Snapshot:
    pg_restore = find_pg_tool("pg_restore")
    dsn, env = _libpq(settings)
    engine = create_engine(normalise_database_url(settings.database_url))
    try:
        if tables:
            # An emptied or --force target: its schema goes entirely, so the dump's own
            # schema (whatever its revision) is restored without clashes or leftovers.
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        result = subprocess.run(  # noqa: S603 (fixed program, no shell)
            [
                pg_restore,
                # The restoring account owns everything; the source's roles need not exist.
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={dsn}",
                str(database_file),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed, nothing was restored: {result.stderr.strip()}")
        with engine.connect() as connection:
            return _read_snapshot(lambda sql: connection.execute(text(sql)).all())
    finally:
        engine.dispose()


def restore_backup(
    settings: Settings, backup: Path, *, force: bool, progress: Progress
) -> Manifest:
    """Restore the backup at ``backup`` into the configured database and upload directory.

    The backup is verified in full before anything is written. Both targets must be empty:
    a database with no rows (no tables, or a freshly migrated schema) and an upload
    directory with no files; ``force`` restores over them instead: the database is replaced
    entirely, the backup's files are added to the upload directory (files already there
    under other names stay; no restored row names them). Returns the manifest, whose counts
    the restored database has been checked to match.
    """
    require_local_storage(settings)
    manifest = read_manifest(backup)
    kind = database_kind(settings)
    if manifest.database_kind != kind:
        raise BackupError(
            f"This backup holds a {manifest.database_kind} database, but OPENCALL_DATABASE_URL "
            f"names a {kind} one; restore it into a {manifest.database_kind} database."
        )
    verify_backup(backup, manifest, progress)

    upload_root = Path(settings.upload_dir).resolve()
    pg_tables: list[str] = []
    if kind == "sqlite":
        with_rows = _sqlite_tables_with_rows(sqlite_path(settings))
    else:
        pg_tables, with_rows = _postgresql_tables(settings)
    existing_file = next(_upload_files(upload_root), None)
    if not force:
        problems = []
        if with_rows:
            problems.append(
                f"the database already holds data (in {len(with_rows)} tables, "
                f"e.g. {', '.join(sorted(with_rows)[:3])})"
            )
        if existing_file is not None:
            problems.append(
                f"the upload directory {upload_root} already holds files "
                f"(e.g. {existing_file.relative_to(upload_root).as_posix()})"
            )
        if problems:
            raise BackupError(
                "Nothing was restored: "
                + " and ".join(problems)
                + ". Restore into an empty database and upload directory, or give --force "
                "to replace the database and add the backup's files to the upload directory."
            )

    task = progress.add_task("Database", total=None)
    database_file = backup / manifest.database_file
    if kind == "sqlite":
        restored = _restore_sqlite(settings, database_file)
    else:
        restored = _restore_postgresql(settings, database_file, pg_tables)
    progress.update(task, total=1, completed=1)

    task = progress.add_task("Uploads", total=len(manifest.files))
    for name, meta in manifest.files.items():
        relative = _safe_relative(name)
        target = upload_root.joinpath(*relative.parts)
        _, sha256 = _copy_hashing(backup / UPLOADS_DIR / relative, target)
        if sha256 != meta.get("sha256"):
            target.unlink(missing_ok=True)
            raise BackupError(f"{UPLOADS_DIR}/{name} changed while it was being restored.")
        progress.advance(task)

    if restored.counts != manifest.counts:
        raise BackupError(
            f"The restored database holds {restored.counts}, the manifest says "
            f"{manifest.counts}: the backup's database file does not match its manifest."
        )
    return manifest
