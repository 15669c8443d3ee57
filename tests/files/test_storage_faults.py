"""A disk that refuses an upload: full (a 256 KiB tmpfs), or read-only (a tmpfs mounted read-
only). The entrant is told plainly, with the question the file was for (507 no room, 503 with
Retry-After when the disk cannot be written), nothing is stored half-way (no record, no file,
no temporary file), the entry's answers are kept, and the same upload works once there is room.

The small disks are real file systems mounted for the test, which needs root (as CI and these
machines run); a read-only directory by permissions alone would not stop root."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.main import create_app
from app.models import StoredFile
from tests.factories import COMPLETE, client_for, make_challenge, start_entry

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@contextmanager
def tmpfs(path: Path, *options: str) -> Iterator[Path]:
    """A small file system of its own at `path` (root only), unmounted on leaving."""
    assert os.geteuid() == 0, "mounting a small tmpfs for this test needs root"
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(path)], check=True
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def _upload(client: TestClient, entry_id: int, content: bytes):
    return client.post(
        f"/api/entries/{entry_id}/attachments",
        params={"field": "poster", "filename": "poster.pdf"},
        content=content,
    )


def _files_in(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


def test_a_full_disk_says_so_and_keeps_nothing(app: FastAPI, tmp_path: Path) -> None:
    settings = app.state.settings  # the fixture empties the database first
    with tmpfs(tmp_path / "small", "size=256k", "mode=0755") as small:
        disk_app = create_app(settings.model_copy(update={"upload_dir": str(small)}))
        with TestClient(disk_app):
            make_challenge(client_for(disk_app, "org@example.org"))
            participant = client_for(disk_app, "p@example.org")
            entry = start_entry(participant, body=COMPLETE)
            big = PDF + os.urandom(400 * 1024)  # more than the disk holds, under the limit
            r = _upload(participant, entry["id"], big)
            assert r.status_code == 507, r.text
            error = r.json()["error"]
            assert (error["code"], error["field"]) == ("storage_full", "answers.poster")
            assert "nothing was stored" in error["message"]
            assert _files_in(small) == []  # not even the temporary file
            with Session(disk_app.state.engine) as session:
                assert session.exec(select(func.count()).select_from(StoredFile)).one() == 0
            kept = participant.get(f"/api/entries/{entry['id']}").json()
            assert kept["answers"] == entry["answers"] and kept["attachments"] == []
            # A file that fits is taken as usual.
            small_file = PDF + os.urandom(16 * 1024)
            ok = _upload(participant, entry["id"], small_file)
            assert ok.status_code == 201, ok.text
            served = participant.get(f"/api/attachments/{ok.json()['id']}")
            assert served.content == small_file
        disk_app.state.engine.dispose()


def test_a_read_only_disk_says_so_and_keeps_nothing(app: FastAPI, tmp_path: Path) -> None:
    settings = app.state.settings  # the fixture empties the database first
    with tmpfs(tmp_path / "readonly", "size=1m", "ro") as readonly:
        disk_app = create_app(settings.model_copy(update={"upload_dir": str(readonly)}))
        with TestClient(disk_app):
            make_challenge(client_for(disk_app, "org@example.org"))
            participant = client_for(disk_app, "p@example.org")
            entry = start_entry(participant, body=COMPLETE)
            r = _upload(participant, entry["id"], PDF)
            assert r.status_code == 503, r.text
            assert r.headers["Retry-After"] == "60"
            error = r.json()["error"]
            assert (error["code"], error["field"]) == ("storage_unavailable", "answers.poster")
            with Session(disk_app.state.engine) as session:
                assert session.exec(select(func.count()).select_from(StoredFile)).one() == 0
            kept = participant.get(f"/api/entries/{entry['id']}").json()
            assert kept["answers"] == entry["answers"]
        disk_app.state.engine.dispose()
