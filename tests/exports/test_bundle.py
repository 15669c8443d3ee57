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


def test_the_anonymised_bundle_names_no_one(app: FastAPI, mailbox: Any) -> None:
    w = _contest(app, mailbox)
    e1 = w.entry_ids[0]
    canary = "CANARY-7f3a"
    invited = w.org.post(
        f"/api/challenges/{SLUG}/judges",
        json={
            "email": "carla@canary-institute.org",
            "display_name": f"Carla {canary}",
            "affiliation": f"{canary} Institute",
            "tags": ["clinician"],
        },
    )
    assert invited.status_code == 201, invited.text
    conflict = w.org.post(
        f"/api/challenges/{SLUG}/conflicts",
        json={"judge_id": invited.json()["id"], "entry_id": e1, "reason": f"Supervised {canary}"},
    )
    assert conflict.status_code == 201, conflict.text
    assert w.org.post(f"/api/challenges/{SLUG}/awards/propose").status_code == 200
    award = w.org.post(
        f"/api/challenges/{SLUG}/awards",
        json={"entry_id": e1, "tier": "honourable_mention", "reason": f"Asked by {canary}"},
    )
    assert award.status_code == 201, award.text

    r = w.org.get(f"/api/challenges/{SLUG}/exports/bundle.zip", params={"anonymised": "true"})

    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].endswith('-bundle-anonymised.zip"')
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = archive.namelist()
    assert "audit.csv" not in names  # the audit log names people throughout
    assert names[-1] == "SHA256SUMS" and "participants.csv" in names and "judges.csv" in names
    everything = "".join(archive.read(n).decode() for n in names if n.endswith(".csv"))
    for secret in (canary, "@", "Pat Participant", "Olu Organiser", "example.org", "uni-ada"):
        assert secret not in everything, secret
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    # The entrant is one pseudonym across tables, and the scores survive.
    entries = {row.split(",")[0]: row for row in archive.read("entries.csv").decode().splitlines()}
    participants = archive.read("participants.csv").decode().splitlines()
    assert participants[0] == "entry_id,reference,role,position,participant"
    pseudonym = participants[1].rsplit(",", 1)[1]
    assert pseudonym.startswith("P-") and pseudonym in entries[str(e1)]
    scorecards = archive.read("scorecards.csv").decode().splitlines()
    assert "judge_name" not in scorecards[0] and len(scorecards) == 1 + 8 * 2
    # Each table alone gives the same as the bundle's member.
    for table in ("participants", "judges", "conflicts", "awards", "scorecards"):
        alone = w.org.get(
            f"/api/challenges/{SLUG}/exports/{table}.csv", params={"anonymised": "true"}
        )
        assert alone.content == archive.read(f"{table}.csv"), table
    # The audit log has no anonymised variant: the parameter is not offered there.
    audit = w.org.get(f"/api/challenges/{SLUG}/exports/audit.csv", params={"anonymised": "true"})
    assert "@" in audit.text
