"""`opencall backup` and `opencall restore`: a consistent copy of a live database and its
uploads (taken while another thread keeps writing), restored row for row and file for file,
on the suite's database kind (SQLite or PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.backup.database import find_pg_tool
from app.backup.manifest import BackupError
from app.cli import cli, run_migrations
from app.core.config import Settings, get_settings
from app.core.db import make_engine, normalise_database_url
from app.demo import seed
from app.files.s3 import S3Storage, s3_client
from app.files.storage import LocalStorage
from app.models import Challenge, Entry, StoredFile, User, Vote
from tests.conftest import TEST_DB_KIND, create_pg_database, drop_pg_database

runner = CliRunner()

LIVE_PREFIX = "Live entry "
# Key fields compared between the source and the restored copy, by table.
QUERIES = {
    "entry": "SELECT id, challenge_id, reference, title, status, owner_id FROM entry",
    "scorecard": "SELECT id, assignment_id, status, comment FROM scorecard",
    "score_value": "SELECT id, scorecard_id, criterion_id, value FROM score_value",
    "vote": "SELECT id, challenge_id, entry_id, voter_id, status FROM vote",
    "stored_file": "SELECT id, storage_key, entry_id, size, sha256 FROM stored_file",
    "user": 'SELECT id, email, display_name FROM "user"',
}


@dataclass(frozen=True)
class Site:
    """One OpenCall installation: a database and an upload directory."""

    url: str
    upload_dir: Path

    def settings(self) -> Settings:
        return Settings(
            _env_file=None,  # type: ignore[call-arg]
            environment="test",
            database_url=self.url,
            upload_dir=str(self.upload_dir),
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            argon2_parallelism=1,
        )


def _new_site(directory: Path, name: str) -> Site:
    url = (
        create_pg_database(f"opencall_backup_{name}")
        if TEST_DB_KIND == "postgresql"
        else f"sqlite:///{directory / f'{name}.db'}"
    )
    return Site(url, directory / f"{name}-uploads")


def _drop(site: Site) -> None:
    if TEST_DB_KIND == "postgresql":
        drop_pg_database(site.url)


def _write_live_entry(engine: Engine, storage: LocalStorage, n: int) -> None:
    """One participant's work, committed at once as the app does: the file is written first,
    then its entry, its row and a vote by a new account commit in one transaction."""
    key = storage.new_key()
    content = f"poster {n}\n".encode() * (n % 7 + 1)
    with storage.writer(key) as out:
        out.write(content)
    with Session(engine) as session:
        challenge = session.exec(select(Challenge).order_by(col(Challenge.id))).first()
        assert challenge is not None and challenge.id is not None
        voter = User(email=f"live{n}@example.org", display_name=f"Live {n}", password_hash="x")
        entry = Entry(challenge_id=challenge.id, title=f"{LIVE_PREFIX}{n}")
        session.add(voter)
        session.add(entry)
        session.flush()
        assert entry.id is not None and voter.id is not None
        session.add(
            Vote(challenge_id=challenge.id, entry_id=entry.id, voter_id=voter.id, network="n")
        )
        session.add(
            StoredFile(
                storage_key=key,
                entry_id=entry.id,
                challenge_id=challenge.id,
                field_key="poster",
                original_name=f"poster-{n}.txt",
                content_type="text/plain",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
        session.commit()


class Writer(threading.Thread):
    """Keeps adding live entries (each with a file and a vote) until stopped."""

    def __init__(self, site: Site, start_at: int) -> None:
        super().__init__(daemon=True)
        self.settings = site.settings()
        self.next = start_at
        self.written = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        engine = make_engine(self.settings)
        storage = LocalStorage(self.settings.upload_dir)
        try:
            while not self.stop.is_set():
                _write_live_entry(engine, storage, self.next)
                self.next += 1
                self.written += 1
        except BaseException as exc:
            self.error = exc
        finally:
            engine.dispose()

    def wait_for(self, count: int) -> None:
        while self.written < count and self.error is None and self.is_alive():
            self.stop.wait(0.005)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo data (entries, judges, scorecards) plus a few entries with files and votes."""
    site = _new_site(tmp_path_factory.mktemp("backup-source"), "source")
    run_migrations(site.url)
    seed(site.settings())
    engine = make_engine(site.settings())
    storage = LocalStorage(site.upload_dir)
    for n in range(3):
        _write_live_entry(engine, storage, n)
    engine.dispose()
    yield site
    _drop(site)


@pytest.fixture
def new_site(tmp_path: Path) -> Iterator[Callable[[str], Site]]:
    """Fresh, empty installations (databases not even migrated) to restore into."""
    made: list[Site] = []

    def make(name: str) -> Site:
        site = _new_site(tmp_path, name)
        made.append(site)
        return site

    yield make
    for site in made:
        _drop(site)


@pytest.fixture
def use(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Site], None]]:
    """Point the `opencall` command at a site, as its environment would."""

    def point(site: Site) -> None:
        monkeypatch.setenv("OPENCALL_DATABASE_URL", site.url)
        monkeypatch.setenv("OPENCALL_UPLOAD_DIR", str(site.upload_dir))
        monkeypatch.setenv("OPENCALL_ENVIRONMENT", "development")
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


def _rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        rows = {
            table: sorted(tuple(r) for r in connection.execute(text(sql)))
            for table, sql in QUERIES.items()
        }
    engine.dispose()
    return rows


def _live_count(rows: dict[str, list[tuple]]) -> int:
    return sum(1 for r in rows["entry"] if r[3].startswith(LIVE_PREFIX))


def _backup(tmp_path: Path, name: str = "backup") -> Path:
    destination = tmp_path / name
    result = runner.invoke(cli, ["backup", str(destination)])
    assert result.exit_code == 0, result.output
    return destination


def _manifest(backup: Path) -> dict:
    return json.loads((backup / "manifest.json").read_text(encoding="utf-8"))


def _assert_files_present(site: Site, stored: list[tuple]) -> None:
    storage = LocalStorage(site.upload_dir)
    for _, key, _, size, sha256 in stored:
        with storage.open(key) as file:
            content = file.read()
        assert (len(content), hashlib.sha256(content).hexdigest()) == (size, sha256)


def test_backup_while_writing_restores_every_row_and_file(
    source: Site, new_site: Callable[[str], Site], use: Callable[[Site], None], tmp_path: Path
) -> None:
    use(source)
    before = _rows(source.url)
    # An upload still being written: LocalStorage's hidden temporary file, never copied.
    in_progress = source.upload_dir / "ab" / ".abcdef.part"
    in_progress.parent.mkdir(parents=True, exist_ok=True)
    in_progress.write_bytes(b"half a file")
    writer = Writer(source, start_at=1000)
    writer.start()
    try:
        writer.wait_for(5)
        written_before = writer.written
        backup = _backup(tmp_path)
        written_after = writer.written
        writer.wait_for(written_after + 3)
    finally:
        writer.stop.set()
        writer.join()
        in_progress.unlink()
    assert writer.error is None
    # The copy was taken while the writer was committing.
    assert written_after > written_before
    after = _rows(source.url)

    manifest = _manifest(backup)
    assert (manifest["format"], manifest["version"], manifest["database"]["kind"]) == (
        "opencall-backup",
        1,
        TEST_DB_KIND,
    )
    assert manifest["missing_files"] == []
    for name, meta in manifest["files"].items():
        content = (backup / "uploads" / name).read_bytes()
        assert (meta["size"], meta["sha256"]) == (len(content), hashlib.sha256(content).hexdigest())
    assert not [p for p in backup.rglob(".*")]  # no temporary file was copied

    target = new_site("target")
    use(target)
    result = runner.invoke(cli, ["restore", str(backup)])
    assert result.exit_code == 0, result.output
    restored = _rows(target.url)

    counts = manifest["counts"]
    assert counts == {
        "entries": len(restored["entry"]),
        "scorecards": len(restored["scorecard"]),
        "votes": len(restored["vote"]),
        "files": len(restored["stored_file"]),
    }
    assert f"{counts['entries']} entries, {counts['scorecards']} scorecards" in result.output
    # Each live entry came with its vote, file and account in one commit: a torn copy would
    # hold some without the others.
    live = _live_count(restored)
    assert len(restored["vote"]) == len(before["vote"]) - _live_count(before) + live
    assert len(restored["stored_file"]) == len(before["stored_file"]) - _live_count(before) + live
    assert _live_count(before) + written_before <= live <= _live_count(before) + written_after
    # One writer commits in id order, so the copy is exactly the source up to some instant:
    # every row then, with the same fields, and none after.
    for table, rows in restored.items():
        last_id = max(r[0] for r in rows)
        assert rows == [r for r in after[table] if r[0] <= last_id], table
        assert set(before[table]) <= set(rows), table
    assert restored["scorecard"] == before["scorecard"] == after["scorecard"]
    assert restored["score_value"] == before["score_value"]
    _assert_files_present(target, restored["stored_file"])

    # The restored site works: the sequences carry on after the restored ids.
    engine = make_engine(target.settings())
    _write_live_entry(engine, LocalStorage(target.upload_dir), 5000)
    engine.dispose()
    assert len(_rows(target.url)["entry"]) == len(restored["entry"]) + 1


def test_backup_refuses_to_overwrite(
    source: Site, use: Callable[[Site], None], tmp_path: Path
) -> None:
    use(source)
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    a_file = tmp_path / "a-file"
    a_file.write_text("mine too")
    for destination in (existing, a_file):
        result = runner.invoke(cli, ["backup", str(destination)])
        assert result.exit_code == 1
        assert "already exists; a backup never overwrites anything" in result.output
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]
    assert a_file.read_text() == "mine too"
    # Nothing half-made is left beside them either.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "existing"]

    inside = source.upload_dir / "backup"
    result = runner.invoke(cli, ["backup", str(inside)])
    assert result.exit_code == 1
    assert "inside the upload directory" in result.output


def test_restore_refuses_a_target_with_data_unless_forced(
    source: Site, new_site: Callable[[str], Site], use: Callable[[Site], None], tmp_path: Path
) -> None:
    use(source)
    backup = _backup(tmp_path)
    expected = _rows(source.url)

    # A freshly migrated database (as the Docker image leaves it) counts as empty.
    target = new_site("target")
    run_migrations(target.url)
    use(target)
    result = runner.invoke(cli, ["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert _rows(target.url) == expected

    # The site has been used since: an account and a file of its own.
    engine = make_engine(target.settings())
    with Session(engine) as session:
        session.add(User(email="someone@example.org", display_name="Someone", password_hash="x"))
        session.commit()
    engine.dispose()
    storage = LocalStorage(target.upload_dir)
    their_key = storage.new_key()
    with storage.writer(their_key) as out:
        out.write(b"their file")
    theirs = _rows(target.url)
    result = runner.invoke(cli, ["restore", str(backup)])
    assert result.exit_code == 1
    assert "Nothing was restored: the database already holds data" in result.output
    assert "the upload directory already holds files (e.g. " in result.output
    assert f"(e.g. {target.upload_dir}/" in result.output
    assert "give --force" in result.output
    assert _rows(target.url) == theirs

    result = runner.invoke(cli, ["restore", str(backup), "--force"])
    assert result.exit_code == 0, result.output
    assert _rows(target.url) == expected
    _assert_files_present(target, expected["stored_file"])
    # --force replaces the database but deletes no file: theirs stays, named by no row.
    assert storage.exists(their_key)


def test_restore_detects_a_damaged_backup_before_writing(
    source: Site, new_site: Callable[[str], Site], use: Callable[[Site], None], tmp_path: Path
) -> None:
    use(source)
    backup = _backup(tmp_path)
    manifest = _manifest(backup)
    name = sorted(manifest["files"])[0]
    damaged_upload = tmp_path / "damaged-upload"
    shutil.copytree(backup, damaged_upload)
    path = damaged_upload / "uploads" / name
    content = bytearray(path.read_bytes())
    content[0] ^= 0xFF
    path.write_bytes(bytes(content))
    damaged_database = tmp_path / "damaged-database"
    shutil.copytree(backup, damaged_database)
    database_file = damaged_database / manifest["database"]["file"]
    with database_file.open("ab") as file:
        file.write(b"\0")

    target = new_site("target")
    use(target)
    for damaged, culprit in (
        (damaged_upload, f"uploads/{name} (damaged"),
        (damaged_database, f"{manifest['database']['file']} (damaged"),
    ):
        result = runner.invoke(cli, ["restore", str(damaged)])
        assert result.exit_code == 1
        assert "is damaged, nothing was restored" in result.output
        assert culprit in result.output
    # Nothing was written: the target is still empty, so the intact backup restores.
    assert not target.upload_dir.exists()
    result = runner.invoke(cli, ["restore", str(backup)])
    assert result.exit_code == 0, result.output

    other_kind = tmp_path / "other-kind"
    shutil.copytree(backup, other_kind)
    manifest["database"]["kind"] = "sqlite" if TEST_DB_KIND == "postgresql" else "postgresql"
    (other_kind / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = runner.invoke(cli, ["restore", str(other_kind), "--force"])
    assert result.exit_code == 1
    assert f"holds a {manifest['database']['kind']} database, but OPENCALL_DATABASE_URL" in (
        result.output
    )

    not_a_backup = tmp_path / "empty"
    not_a_backup.mkdir()
    result = runner.invoke(cli, ["restore", str(not_a_backup), "--force"])
    assert result.exit_code == 1
    assert "has no manifest.json: not an OpenCall backup" in result.output


def test_backup_names_files_its_database_lacks(
    source: Site, use: Callable[[Site], None], tmp_path: Path
) -> None:
    use(source)
    engine = make_engine(source.settings())
    with Session(engine) as session:
        lost = StoredFile(
            storage_key="zz/zz/zzlost",
            original_name="lost.pdf",
            content_type="application/pdf",
            size=3,
            sha256="0" * 64,
        )
        session.add(lost)
        session.commit()
        try:
            result = runner.invoke(cli, ["backup", str(tmp_path / "backup")])
        finally:
            session.delete(lost)
            session.commit()
    engine.dispose()
    assert result.exit_code == 1
    assert "Warning: 1 files the database names are not in storage" in result.output
    assert "zz/zz/zzlost" in result.output
    # The backup is kept (the best copy there is) and says what it lacks.
    assert _manifest(tmp_path / "backup")["missing_files"] == ["zz/zz/zzlost"]


def test_missing_postgresql_tools_are_named(
    source: Site, use: Callable[[Site], None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match=r"pg_dump was not found on PATH.*postgresql-client"):
        find_pg_tool("pg_dump")
    if TEST_DB_KIND == "postgresql":
        use(source)
        result = runner.invoke(cli, ["backup", str(tmp_path / "backup")])
        assert result.exit_code == 1
        assert "pg_dump was not found on PATH" in result.output
        assert not (tmp_path / "backup").exists()


@pytest.fixture(scope="module")
def s3_endpoint_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


S3_CREDENTIALS = {"region": "us-east-1", "id": "opencall-test", "secret": "opencall-test-secret"}


def test_uploads_in_a_bucket_are_backed_up_and_restored(
    source: Site,
    new_site: Callable[[str], Site],
    use: Callable[[Site], None],
    tmp_path: Path,
    s3_endpoint_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = s3_client(
        s3_endpoint_url, S3_CREDENTIALS["region"], S3_CREDENTIALS["id"], S3_CREDENTIALS["secret"]
    )
    buckets = {name: f"opencall-backup-{name}-{secrets.token_hex(4)}" for name in ("a", "b")}
    for bucket in buckets.values():
        client.create_bucket(Bucket=bucket)

    def use_bucket(site: Site, bucket: str, prefix: str) -> None:
        for name, value in {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_PREFIX": prefix,
            "S3_ENDPOINT_URL": s3_endpoint_url,
            "S3_REGION": S3_CREDENTIALS["region"],
            "S3_ACCESS_KEY_ID": S3_CREDENTIALS["id"],
            "S3_SECRET_ACCESS_KEY": S3_CREDENTIALS["secret"],
        }.items():
            monkeypatch.setenv(f"OPENCALL_{name}", value)
        use(site)

    # The source installation keeps its uploads in bucket a, under a prefix.
    expected = _rows(source.url)
    local, bucket_a = LocalStorage(source.upload_dir), S3Storage(client, buckets["a"], "site")
    for _, key, *_ in expected["stored_file"]:
        with local.open(key) as reader, bucket_a.writer(key) as out:
            out.write(reader.read())
    use_bucket(source, buckets["a"], "site")
    backup = _backup(tmp_path)
    manifest = _manifest(backup)
    assert manifest["storage_backend"] == "s3"
    assert sorted(manifest["files"]) == sorted(r[1] for r in expected["stored_file"])
    assert manifest["missing_files"] == []

    target = new_site("target")
    use_bucket(target, buckets["b"], "")
    result = runner.invoke(cli, ["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert _rows(target.url) == expected
    bucket_b = S3Storage(client, buckets["b"], "")
    for _, key, _, size, sha256 in expected["stored_file"]:
        with bucket_b.open(key) as reader:
            content = reader.read()
        assert (len(content), hashlib.sha256(content).hexdigest()) == (size, sha256)

    # Another restore into bucket b would mix two installations' files.
    again = new_site("again")
    use_bucket(again, buckets["b"], "")
    result = runner.invoke(cli, ["restore", str(backup)])
    assert result.exit_code == 1
    assert f"the bucket already holds files (e.g. s3://{buckets['b']}/" in result.output
