"""bundle.zip: every table, the codebook, the methods text, and SHA256SUMS that verify."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from fastapi import FastAPI
from sqlmodel import Session, select

from app.exports.catalogue import TABLES
from app.models import Challenge
from app.results.service import methods_text
from tests.results.test_results import SLUG, _contest


def test_the_bundle_holds_every_table_and_its_checksums_verify(app: FastAPI, mailbox: Any) -> None:
    w = _contest(app, mailbox)
    assert w.org.post(f"/api/challenges/{SLUG}/awards/propose").status_code == 200

    r = w.org.get(f"/api/challenges/{SLUG}/exports/bundle.zip")

    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == f'attachment; filename="{SLUG}-bundle.zip"'
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None
    names = archive.namelist()
    tables = ["entries", "votes", *TABLES]
    assert names == [*(f"{t}.csv" for t in tables), "codebook.csv", "methods.txt", "SHA256SUMS"]
    # SHA256SUMS in the format `sha256sum -c` reads, one line per other file, all true.
    lines = archive.read("SHA256SUMS").decode().splitlines()
    assert [line.split("  ", 1)[1] for line in lines] == names[:-1]
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    # Each table is what its own download gives.
    for table in tables:
        alone = w.org.get(f"/api/challenges/{SLUG}/exports/{table}.csv")
        assert archive.read(f"{table}.csv") == alone.content, table
    assert archive.read("codebook.csv") == (
        w.org.get(f"/api/challenges/{SLUG}/exports/codebook.csv").content
    )
    with Session(app.state.engine) as session:
        challenge = session.exec(select(Challenge).where(Challenge.slug == SLUG)).one()
        assert archive.read("methods.txt").decode() == methods_text(session, challenge)
    assert "Round 1" in archive.read("methods.txt").decode()


def test_only_organisers_get_the_bundle(app: FastAPI, mailbox: Any) -> None:
    w = _contest(app, mailbox)
    assert w.judges["ada"].get(f"/api/challenges/{SLUG}/exports/bundle.zip").status_code == 403
    assert w.participant.get(f"/api/challenges/{SLUG}/exports/bundle.zip").status_code == 403
