"""Copying the database out of a live installation and back in: SQLite through its online
backup API, PostgreSQL through pg_dump and pg_restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.backup.manifest import COUNTED_TABLES, BackupError
from app.core.config import Settings
from app.core.db import normalise_database_url

Query = Callable[[str], Sequence[Sequence[Any]]]


@dataclass
class Snapshot:
    """What the database held at the instant it was copied."""

    alembic_revision: str
    counts: dict[str, int]
    stored_files: dict[str, str]  # storage key -> sha256 recorded in its row


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
    url = make_url(normalise_database_url(settings.database_url))
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(program: str, arguments: list[str], env: dict[str, str], failure: str) -> None:
    result = subprocess.run(  # noqa: S603 (a fixed program, no shell)
        [program, *arguments], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{failure}: {result.stderr.strip()}")


def read_snapshot(query: Query) -> Snapshot:
    """Schema revision, counts and stored files, read in the snapshot being copied."""
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


def backup_database(settings: Settings, target: Path) -> Snapshot:
    """Copy the configured database to the file ``target``, in one consistent snapshot."""
    if settings.is_sqlite:
        return _backup_sqlite(settings, target)
    return _backup_postgresql(settings, target)


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
        return read_snapshot(_sqlite_query(copy))
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
                snapshot = read_snapshot(lambda sql: connection.execute(text(sql)).all())
                _run(
                    pg_dump,
                    [
                        "--format=custom",
                        f"--snapshot={snapshot_id}",
                        f"--file={target}",
                        f"--dbname={dsn}",
                    ],
                    env,
                    "pg_dump failed",
                )
    finally:
        engine.dispose()
    return snapshot


def _tables_with_rows(tables: list[str], query: Query) -> list[str]:
    return [
        table
        for table in tables
        if table != "alembic_version" and query(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608
    ]


def database_tables(settings: Settings) -> tuple[list[str], list[str]]:
    """The configured database's tables, and those holding rows (the schema's version aside):
    none of the second means the database is empty, even if migrated."""
    if settings.is_sqlite:
        path = sqlite_path(settings)
        if not path.exists() or path.stat().st_size == 0:
            return [], []
        database = sqlite3.connect(path, timeout=30)
        try:
            query = _sqlite_query(database)
            names = [r[0] for r in query("SELECT name FROM sqlite_master WHERE type = 'table'")]
            tables = [n for n in names if not n.startswith("sqlite_")]
            return tables, _tables_with_rows(tables, query)
        finally:
            database.close()
    engine = create_engine(normalise_database_url(settings.database_url))
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names(schema="public")
            with_rows = _tables_with_rows(tables, lambda sql: connection.execute(text(sql)).all())
    finally:
        engine.dispose()
    return tables, with_rows


def restore_database(settings: Settings, database_file: Path, tables: list[str]) -> Snapshot:
    """Replace the configured database (whose tables are ``tables``) with the backup's copy;
    what it then holds."""
    if settings.is_sqlite:
        return _restore_sqlite(settings, database_file)
    return _restore_postgresql(settings, database_file, tables)


def _restore_sqlite(settings: Settings, database_file: Path) -> Snapshot:
    target = sqlite_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
    copy = sqlite3.connect(target, timeout=30)
    try:
        # Through SQLite, not a file copy: an existing target's -wal and -shm stay coherent.
        source.backup(copy)
        return read_snapshot(_sqlite_query(copy))
    finally:
        copy.close()
        source.close()


def _restore_postgresql(settings: Settings, database_file: Path, tables: list[str]) -> Snapshot:
    pg_restore = find_pg_tool("pg_restore")
    dsn, env = _libpq(settings)
    engine = create_engine(normalise_database_url(settings.database_url))
    try:
        if tables:
            # A migrated or --force target: its schema goes entirely, so the dump's own
            # schema (whatever its revision) is restored without clashes or leftovers.
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        _run(
            pg_restore,
            [
                # The restoring account owns everything; the source's roles need not exist.
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={dsn}",
                str(database_file),
            ],
            env,
            "pg_restore failed (its single transaction was rolled back)",
        )
        with engine.connect() as connection:
            return read_snapshot(lambda sql: connection.execute(text(sql)).all())
    finally:
        engine.dispose()
