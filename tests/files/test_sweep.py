"""What a crash leaves in the upload directory goes at start-up: files no record names and
unfinished writes, once older than the grace; recorded files, young files and files the
storage did not write stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.files.storage import LocalStorage, random_key
from app.files.sweep import sweep_orphans
from app.main import create_app
from tests.factories import client_for, make_challenge, start_entry

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_crash_s_leftovers_go_and_everything_else_stays(app: FastAPI) -> None:
    participant = client_for(app, "p@example.org")
    make_challenge(client_for(app, "org@example.org"))
    entry = start_entry(participant)
    r = participant.post(
        f"/api/entries/{entry['id']}/attachments",
        params={"field": "poster", "filename": "poster.pdf"},
        content=PDF,
    )
    assert r.status_code == 201, r.text
    storage = LocalStorage(app.state.settings.upload_dir)
    recorded = [p for p in storage.root.rglob("*") if p.is_file()]
    assert len(recorded) == 1

    def blob(age: float) -> Path:
        key = random_key()
        with storage.writer(key) as writer:
            writer.write(b"left by a crash")
        path = storage.root.joinpath(*key.split("/"))
        _age(path, age)
        return path

    old_orphan, young_orphan = blob(7200), blob(10)
    partial = old_orphan.parent / ".tmpabc.part"
    partial.write_bytes(b"half")
    _age(partial, 7200)
    stranger = storage.root / "README.txt"  # not a key the storage writes
    stranger.write_text("the operator's note")
    _age(stranger, 7200)
    for path in recorded:
        _age(path, 7200)

    swept = sweep_orphans(app.state.engine, storage, grace_seconds=3600)
    assert (swept.orphans, swept.partial) == (1, 1)
    assert not old_orphan.exists() and not partial.exists()
    assert young_orphan.exists() and stranger.exists()
    assert all(path.exists() for path in recorded)
    served = participant.get(f"/api/attachments/{r.json()['id']}")
    assert (served.status_code, served.content) == (200, PDF)


def test_the_app_sweeps_when_it_starts(app: FastAPI) -> None:
    settings = app.state.settings.model_copy(update={"upload_orphan_grace_seconds": 0})
    storage = LocalStorage(settings.upload_dir)
    key = random_key()
    with storage.writer(key) as writer:
        writer.write(b"left by a crash")
    fresh = create_app(settings)
    with TestClient(fresh):
        assert not storage.exists(key)
