"""Crash safety: the server is killed with SIGKILL at random moments, twenty times, while
entrants submit entries with files, voters vote and a judge submits scorecards. After every
restart the app answers at once; at the end every acknowledged write is there, nothing a
client was not told about is half there (a submitted entry has its reference and receipt, a
submitted scorecard all its scores, a recorded file its bytes), and the upload directory
holds no file without its record and no unfinished write."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from app.core.db import normalise_database_url, utcnow
from app.models import ChallengeRole, Judge, JudgeStatus, Membership, User
from tests.browser.conftest import LiveServer, new_database, serve
from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import PASSWORD
from tests.factories import COMPLETE, make_challenge

KILLS = 20
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Ledger:
    """What the server acknowledged, per kind of write."""

    submitted: set[int] = field(default_factory=set)
    files: dict[int, bytes] = field(default_factory=dict)  # attachment id → its bytes
    votes: set[int] = field(default_factory=set)
    scorecards: set[int] = field(default_factory=set)  # assignment ids
    lock: threading.Lock = field(default_factory=threading.Lock)


class Target:
    """The server's current address; workers wait while it is down."""

    def __init__(self) -> None:
        self.url = ""
        self.up = threading.Event()
        self.stop = threading.Event()


def _client(url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=httpx.Timeout(10)
    )


def _token(url: str, email: str) -> str:
    r = httpx.post(f"{url}/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _worker(target: Target, token: str, steps: Callable[[httpx.Client], None]) -> None:
    """Runs `steps` against whichever server is up until told to stop; a dropped connection
    (the server killed) waits for the next one."""
    while not target.stop.is_set():
        if not target.up.wait(0.1):
            continue
        try:
            with _client(target.url, token) as client:
                steps(client)
        except httpx.TransportError:
            time.sleep(0.05)


def _judge(database_url: str, email: str, challenge_id: int) -> int:
    """An active judge of the call's panel (as after accepting the invitation)."""
    engine = create_engine(normalise_database_url(database_url))
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        judge = Judge(
            challenge_id=challenge_id,
            user_id=user.id,
            email=email,
            display_name="Judge",
            status=JudgeStatus.active,
            accepted_at=utcnow(),
        )
        session.add(judge)
        session.add(
            Membership(challenge_id=challenge_id, user_id=user.id, role=ChallengeRole.judge)
        )
        session.commit()
        assert judge.id is not None
        judge_id = judge.id
    engine.dispose()
    return judge_id


def test_acknowledged_writes_survive_sigkill(tmp_path: Path, smtp_server: Any) -> None:
    controller, _ = smtp_server
    env = {
        "OPENCALL_UPLOAD_DIR": str(tmp_path / "uploads"),
        # One process, started after the kill: anything left in the directory is the crash's.
        "OPENCALL_UPLOAD_ORPHAN_GRACE_SECONDS": "0",
    }
    rng = random.Random(20261127)
    with new_database(tmp_path, "crash") as database_url:
        ledger = Ledger()
        target = Target()
        with serve(tmp_path, database_url, controller.port, env) as server:
            setup = _setup(server)
        workers = [
            threading.Thread(target=_worker, args=(target, setup["entrant"], entrant), daemon=True)
            for entrant in [_entrant_steps(ledger, setup)]
        ]
        workers += [
            threading.Thread(target=_worker, args=(target, token, steps), daemon=True)
            for token, steps in _voter_steps(ledger, setup)
        ]
        workers.append(
            threading.Thread(
                target=_worker,
                args=(target, setup["judge"], _judge_steps(ledger, setup)),
                daemon=True,
            )
        )
        for worker in workers:
            worker.start()
        try:
            for _ in range(KILLS):
                with serve(tmp_path, database_url, controller.port, env) as server:
                    started = server.log.read_text()
                    assert "Traceback" not in started, started
                    target.url = server.url
                    target.up.set()
                    time.sleep(rng.uniform(0.5, 2.0))
                    target.up.clear()
                    os.kill(server.pid, signal.SIGKILL)
        finally:
            target.stop.set()
            for worker in workers:
                worker.join(timeout=30)
        with serve(tmp_path, database_url, controller.port, env) as server:
            _check(server, setup, ledger, tmp_path / "uploads")
    assert ledger.submitted and ledger.files and ledger.votes and ledger.scorecards, (
        "every kind of write was acknowledged at least once"
    )


def _setup(server: LiveServer) -> dict[str, Any]:
    """A call open for entries, a call in its public vote with a ballot of twelve, and a call
    whose open round gives a judge twenty entries to score."""
    names = {"org": "Olu", "ent": "Ena", "judge": "Jo"} | {f"v{i}": f"V{i}" for i in range(4)}
    email = _people(server, names, "crash")
    org = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {_token(server.url, email['org'])}"}
    )
    entrant_token = _token(server.url, email["ent"])
    ent = _client(server.url, entrant_token)
    make_challenge(org, "open", max_entries_per_participant=100)  # type: ignore[arg-type]
    ballots: dict[str, list[int]] = {}
    for slug, count in (("vote", 12), ("judged", 20)):
        make_challenge(org, slug, max_entries_per_participant=100)  # type: ignore[arg-type]
        ids = []
        for _ in range(count):
            entry_id = ent.post(f"/api/challenges/{slug}/entries", json={"title": ""}).json()["id"]
            assert ent.patch(f"/api/entries/{entry_id}", json=COMPLETE).status_code == 200
            assert ent.post(f"/api/entries/{entry_id}/submit").status_code == 200
            ids.append(entry_id)
        body = {"entry_ids": ids, "eligibility": "eligible"}
        assert org.post(f"/api/challenges/{slug}/screening", json=body).status_code == 200
        ballots[slug] = ids
    now = utcnow()
    window = {
        "voting_opens_at": (now - timedelta(hours=1)).isoformat(),
        "voting_closes_at": (now + timedelta(days=3)).isoformat(),
    }
    assert org.patch("/api/challenges/vote", json=window).status_code == 200
    rules = {"enabled": True, "votes_per_voter": 12, "new_account_hours": 0}
    assert org.patch("/api/challenges/vote/voting", json=rules).status_code == 200
    judged = org.get("/api/challenges/judged").json()["id"]
    judge_id = _judge(server.database_url, email["judge"], judged)
    round_body = {
        "name": "Round 1",
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(),
        "criteria": [{"name": "Impact", "preset": "1-10"}, {"name": "Reach", "preset": "0-2"}],
    }
    r = org.post("/api/challenges/judged/rounds", json=round_body)
    assert r.status_code == 201, r.text
    round_id = r.json()["id"]
    criteria = r.json()["criteria"]
    assignments = []
    for entry_id in ballots["judged"]:
        r = org.post(
            f"/api/rounds/{round_id}/assignments", json={"entry_id": entry_id, "judge_id": judge_id}
        )
        assert r.status_code == 201, r.text
        assignments.append(r.json()["id"])
    org.close()
    ent.close()
    return {
        "entrant": entrant_token,
        "judge": _token(server.url, email["judge"]),
        "voters": [_token(server.url, email[f"v{i}"]) for i in range(4)],
        "ballot": ballots["vote"],
        "assignments": assignments,
        "values": [{"criterion_id": c["id"], "value": c["scale_min"]} for c in criteria],
    }


def _entrant_steps(ledger: Ledger, setup: dict[str, Any]) -> Callable[[httpx.Client], None]:
    """One step of an entry's life each time (start, fill, attach a file, submit), carried on
    after a kill where the last answer left it; an answer lost in a kill starts it again."""
    entry: dict[str, Any] = {}

    def steps(client: httpx.Client) -> None:
        if not entry:
            r = client.post("/api/challenges/open/entries", json={"title": ""})
            if r.status_code == 201:
                entry.update(id=r.json()["id"], stage="fill")
            return
        entry_id = entry["id"]
        if entry["stage"] == "fill":
            if client.patch(f"/api/entries/{entry_id}", json=COMPLETE).status_code == 200:
                entry["stage"] = "attach"
        elif entry["stage"] == "attach":
            content = PDF + os.urandom(2048)
            r = client.post(
                f"/api/entries/{entry_id}/attachments",
                params={"field": "poster", "filename": "poster.pdf"},
                content=content,
            )
            if r.status_code == 201:
                with ledger.lock:
                    ledger.files[r.json()["id"]] = content
                entry["stage"] = "submit"
            elif r.status_code == 409:  # the field's files are full: a lost answer's upload
                entry["stage"] = "submit"
        else:
            r = client.post(f"/api/entries/{entry_id}/submit")
            if r.status_code == 200:
                with ledger.lock:
                    ledger.submitted.add(entry_id)
            if r.status_code in (200, 409):  # 409: submitted before a kill hid the answer
                entry.clear()

    return steps


def _voter_steps(
    ledger: Ledger, setup: dict[str, Any]
) -> list[tuple[str, Callable[[httpx.Client], None]]]:
    def for_voter() -> Callable[[httpx.Client], None]:
        remaining = list(setup["ballot"])

        def steps(client: httpx.Client) -> None:
            if not remaining:
                time.sleep(0.1)
                return
            r = client.post("/api/challenges/vote/votes", json={"entry_id": remaining[0]})
            if r.status_code == 201:
                with ledger.lock:
                    ledger.votes.add(r.json()["id"])
            if r.status_code in (201, 409):  # 409: counted before a kill hid the answer
                remaining.pop(0)

        return steps

    return [(token, for_voter()) for token in setup["voters"]]


def _judge_steps(ledger: Ledger, setup: dict[str, Any]) -> Callable[[httpx.Client], None]:
    remaining = list(setup["assignments"])

    saved: set[int] = set()

    def steps(client: httpx.Client) -> None:
        if not remaining:
            time.sleep(0.1)
            return
        assignment = remaining[0]
        if assignment not in saved:
            body = {"values": setup["values"], "feedback": "Clear and practical."}
            if client.put(f"/api/assignments/{assignment}/scorecard", json=body).status_code == 200:
                saved.add(assignment)
            return
        r = client.post(f"/api/assignments/{assignment}/scorecard/submit")
        if r.status_code == 200:
            with ledger.lock:
                ledger.scorecards.add(assignment)
        if r.status_code in (200, 409):
            remaining.pop(0)

    return steps


def _check(server: LiveServer, setup: dict[str, Any], ledger: Ledger, uploads: Path) -> None:
    engine = create_engine(normalise_database_url(server.database_url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, reference, submitted_at FROM entry")).all()
        entries = {row.id: row for row in rows}
        # Acknowledged submissions are submitted; every submitted entry is whole.
        assert all(entries[i].status == "submitted" for i in ledger.submitted)
        for row in rows:
            if row.status == "submitted":
                assert row.reference and row.submitted_at, row
        # The receipt is queued in the submission's own transaction: one each, never more.
        receipts = conn.execute(
            text("SELECT count(*) FROM outbox_message WHERE template = 'entry_receipt'")
        ).scalar_one()
        assert receipts == sum(1 for row in rows if row.status == "submitted")
        # Every recorded file has its bytes; acknowledged ones are the bytes sent.
        files = conn.execute(text("SELECT id, storage_key, size, sha256 FROM stored_file")).all()
        on_disk = {
            path.relative_to(uploads).as_posix(): path
            for path in uploads.rglob("*")
            if path.is_file()
        }
        for row in files:
            data = on_disk[row.storage_key].read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (row.size, row.sha256)
        # No file without its record, no unfinished write.
        assert sorted(on_disk) == sorted(row.storage_key for row in files)
        votes = {row.id for row in conn.execute(text("SELECT id FROM vote"))}
        assert ledger.votes <= votes
        cards = conn.execute(
            text(
                "SELECT s.assignment_id, s.status, count(v.id) AS scores FROM scorecard s "
                "LEFT JOIN score_value v ON v.scorecard_id = s.id "
                "GROUP BY s.assignment_id, s.status"
            )
        ).all()
        by_assignment = {row.assignment_id: row for row in cards}
        assert all(by_assignment[a].status == "submitted" for a in ledger.scorecards)
        for row in cards:
            if row.status == "submitted":
                assert row.scores == len(setup["values"]), row
    engine.dispose()
    with _client(server.url, setup["entrant"]) as client:
        for attachment_id, content in ledger.files.items():
            served = client.get(f"/api/attachments/{attachment_id}")
            assert (served.status_code, served.content) == (200, content)
