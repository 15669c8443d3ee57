"""A real OpenCall server for the voting concurrency tests: uvicorn with two worker processes
serving create_app() on a free port, on the run's test database (tests/conftest.py's
`database_url`), so votes race across processes over real connections.

Accounts and sessions are written straight into the database (a verified user, a session
row holding the keyed hash of a token we mint), because thousands of registrations and
logins would spend the test's time on argon2. Everything else goes through the API.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, insert, select
from sqlmodel import Session

from app.core.db import normalise_database_url, utcnow
from app.core.security import PasswordHasher, hash_token, new_token
from app.models import Eligibility, Entry, EntryStatus, User, UserSession
from tests.conftest import empty_database, free_port, make_settings

SECRET_KEY = "voting-concurrency-secret-key-long-enough-0123456789"
WORKERS = 2


@dataclass
class VoteServer:
    url: str
    log: Path
    engine: Engine

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text().splitlines()[-lines:])


@dataclass
class Account:
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _raise_open_files_limit(wanted: int = 8192) -> None:
    """A thousand sockets open at once on each side need more than the usual 1,024 files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


@pytest.fixture(scope="package")
def voting_server_process(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VoteServer]:
    _raise_open_files_limit()  # before the server starts: its workers inherit it
    workdir = tmp_path_factory.mktemp("voting-live")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "OPENCALL_ENVIRONMENT": "test",
        "OPENCALL_DATABASE_URL": database_url,
        "OPENCALL_BASE_URL": url,
        "OPENCALL_SECRET_KEY": SECRET_KEY,
        "OPENCALL_UPLOAD_DIR": str(workdir / "uploads"),
        "OPENCALL_MAIL_SENDER_IN_APP": "false",
        "OPENCALL_ARGON2_MEMORY_KIB": "1024",
        "OPENCALL_ARGON2_TIME_COST": "1",
        "OPENCALL_ARGON2_PARALLELISM": "1",
    }
    log = workdir / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(WORKERS),
                "--log-level",
                "warning",
            ],
            cwd=workdir,  # away from the checkout's .env
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    engine = create_engine(normalise_database_url(database_url))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield VoteServer(url=url, log=log, engine=engine)
    finally:
        process.terminate()
        process.wait(timeout=20)
        engine.dispose()


@pytest.fixture
def voting_server(voting_server_process: VoteServer) -> Iterator[VoteServer]:
    """The live server, with the database emptied after the test like every other test's."""
    yield voting_server_process
    empty_database(voting_server_process.engine)


# One real argon2 hash (the server's test parameters), shared by every inserted account: the
# accounts never log in, but their rows look like any other.
_PASSWORD_HASH = PasswordHasher(make_settings("sqlite://", 25)).hash("voting passphrase")


def make_accounts(
    engine: Engine, count: int, prefix: str, *, verified: bool = True
) -> list[Account]:
    """`count` accounts created a month ago, each with a live session (its Bearer token)."""
    now = utcnow()
    created = now - timedelta(days=30)
    users = [
        {
            "email": f"{prefix}{n}@voters.example.org",
            "display_name": f"{prefix.title()} {n}",
            "password_hash": _PASSWORD_HASH,
            "email_verified_at": created if verified else None,
            "created_at": created,
            "updated_at": created,
        }
        for n in range(count)
    ]
    tokens = [new_token() for _ in range(count)]
    with engine.begin() as conn:
        ids = list(
            conn.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), users).all()
        )
        conn.execute(
            insert(UserSession),
            [
                {
                    "user_id": user_id,
                    "token_hash": hash_token(SECRET_KEY, token),
                    "created_at": now,
                    "last_seen_at": now,
                    "expires_at": now + timedelta(days=1),
                }
                for user_id, token in zip(ids, tokens, strict=True)
            ],
        )
    return [Account(id=i, token=t) for i, t in zip(ids, tokens, strict=True)]


def open_call(
    server: VoteServer,
    organiser: Account,
    *,
    entries: int,
    slug: str = "vote-race",
    voting_opens_in: timedelta = timedelta(hours=-1),
    voting_closes_in: timedelta = timedelta(days=7),
    **rules: Any,
) -> tuple[int, list[int]]:
    """A published call through the API with `entries` eligible entries on the ballot and
    the voting rules given; returns the challenge's id and the entries' ids."""
    now = utcnow()
    with httpx.Client(base_url=server.url, headers=organiser.headers, timeout=30) as api:
        r = api.post(
            "/api/challenges",
            json={
                "title": "Voting under load",
                "slug": slug,
                "prompt": "How might we count every vote exactly once?",
                "opens_at": (now - timedelta(days=30)).isoformat(),
                "closes_at": (now - timedelta(days=10)).isoformat(),
                "voting_opens_at": (now + voting_opens_in).isoformat(),
                "voting_closes_at": (now + voting_closes_in).isoformat(),
                "categories": ["Community", "Clinic"],
            },
        )
        assert r.status_code == 201, r.text
        challenge_id = r.json()["id"]
        r = api.post(f"/api/challenges/{slug}/publish")
        assert r.status_code == 200, r.text
        # Submitted, eligible entries, as screening would leave them.
        with Session(server.engine) as session:
            rows = [
                Entry(
                    challenge_id=challenge_id,
                    reference=f"V-{n:03d}",
                    owner_id=organiser.id,
                    title=f"Entry {n}",
                    summary="An idea on the ballot.",
                    category=("Community", "Clinic")[n % 2],
                    status=EntryStatus.submitted,
                    eligibility=Eligibility.eligible,
                    licence_accepted=True,
                    submitted_at=now,
                )
                for n in range(1, entries + 1)
            ]
            session.add_all(rows)
            session.commit()
            entry_ids = list(
                session.scalars(
                    select(Entry.id).where(Entry.challenge_id == challenge_id).order_by(Entry.id)
                )
            )
        r = api.patch(f"/api/challenges/{slug}/voting", json={"enabled": True, **rules})
        assert r.status_code == 200, r.text
    return challenge_id, entry_ids
