"""Vote throughput on PostgreSQL with several workers, against a bare-insert baseline taken in
the same run, with p50/p99 latency and an exact count checked after every run.

What is measured. The script migrates the database given by --database-url (creating it when
it does not exist), then starts two servers with the same uvicorn command line (--workers
worker processes, warnings-only logging) and the same settings from the environment:

- OpenCall itself (`app.main:create_app`, what `opencall serve --workers N` runs), voted on
  through POST /api/challenges/{slug}/votes by votes/5 verified voters casting 5 votes each
  among 40 entries (votes_per_voter 5, rate limits high), over --clients connections;
- the baseline: the bare endpoint the issue names, "in the same app": `baseline_app` below
  builds OpenCall's own app (`create_app()`: its middleware, its routing table, its engine
  and pool) and adds one sync route, POST /api/bench/rows, that takes a small JSON body and
  inserts one row per request into a scratch table (`bench_baseline_row`, created here,
  dropped at the end) through a session like every route's, and commits. No
  authentication, no rules, no rate limits: what is left is OpenCall's HTTP path and one
  committed insert. The route exists only in the servers this script starts; the product
  has no such endpoint (a bench route inside it would be an untested door).

Each round runs the baseline, then the votes (a fresh challenge per round, so every round's
count is checked on its own): every answer must be 201, the table must hold exactly the
rows sent, the votes per entry must equal what was sent to each entry, and every voter's
ballot counter must be 5. Throughput is answered requests per second over the run's wall
time; latency is per request, as seen by the client. The load generator (asyncio + httpx,
one process) runs on the same machine; its CPU time is printed so a saturated client shows.

Usage: .venv/bin/python bench/votes.py --database-url postgresql://postgres@127.0.0.1:5432/benchv
       [--workers 4] [--clients 48] [--votes 3000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.cli import run_migrations
from app.core.db import normalise_database_url, utcnow
from app.core.deps import SessionDep
from app.core.security import hash_token, new_token
from app.main import create_app
from app.models import Ballot, Eligibility, Entry, EntryStatus, User, UserSession, Vote

SECRET_KEY = "bench-votes-secret-key-long-enough-0123456789abcdef"
ENTRIES = 40
VOTES_PER_VOTER = 5

# --- The baseline app (imported by its uvicorn workers as `votes:baseline_app`) ---------------

scratch = MetaData()
baseline_rows = Table(
    "bench_baseline_row",
    scratch,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("run", String(40), nullable=False, index=True),
    Column("entry_id", Integer, nullable=False),
    Column("voter_id", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class RowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_id: int
    voter_id: int
    run: str


class RowOut(BaseModel):
    id: int


def add_row(body: RowIn, session: SessionDep) -> RowOut:
    """Insert one row, commit, answer its id: the HTTP path and one write, nothing else."""
    row_id = session.execute(
        insert(baseline_rows)
        .values(run=body.run, entry_id=body.entry_id, voter_id=body.voter_id, created_at=utcnow())
        .returning(baseline_rows.c.id)
    ).scalar_one()
    session.commit()
    return RowOut(id=row_id)


def baseline_app() -> FastAPI:
    """OpenCall's app with one more route, after all of its own, inserting one row."""
    app = create_app()
    app.post("/api/bench/rows", status_code=201)(add_row)
    return app


# --- Servers and database -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_database(url: str) -> None:
    """Create the database named in the URL when it does not exist yet."""
    try:
        engine = create_engine(normalise_database_url(url))
        with engine.connect():
            pass
        engine.dispose()
        return
    except OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    target = make_url(normalise_database_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    print(f"created database {target.database}")


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def start_server(name: str, command: list[str], env: dict[str, str], workdir: Path) -> Server:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            env={**env, "OPENCALL_BASE_URL": url},
            cwd=workdir,  # away from the checkout's .env
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(name, url, process, log)
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the {name} server did not start:\n{log.read_text()}")


# --- Fixtures written straight into the database --------------------------------------------


@dataclass
class Voter:
    id: int
    token: str


def make_voters(engine: Engine, count: int, tag: str) -> list[Voter]:
    """Verified accounts a month old, each with a session whose token we hold."""
    now = utcnow()
    month_ago = now - timedelta(days=30)
    rows = [
        {
            "email": f"{tag}-{n}@bench.example.org",
            "display_name": f"Voter {n}",
            "password_hash": "$argon2id$v=19$m=1024,t=1,p=1$unused$unused",
            "email_verified_at": month_ago,
            "created_at": month_ago,
            "updated_at": month_ago,
        }
        for n in range(count)
    ]
    tokens = [new_token() for _ in range(count)]
    with engine.begin() as conn:
        ids = list(
            conn.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows)
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
    return [Voter(i, t) for i, t in zip(ids, tokens, strict=True)]


def open_call(engine: Engine, server: Server, organiser: Voter, slug: str) -> tuple[int, list[int]]:
    """A published call (through the API) with 40 eligible entries and voting open."""
    now = utcnow()
    headers = {"Authorization": f"Bearer {organiser.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as api:
        r = api.post(
            "/api/challenges",
            json={
                "title": "Benchmark vote",
                "slug": slug,
                "prompt": "How fast can votes be counted exactly?",
                "opens_at": (now - timedelta(days=30)).isoformat(),
                "closes_at": (now - timedelta(days=10)).isoformat(),
                "voting_opens_at": (now - timedelta(hours=1)).isoformat(),
                "voting_closes_at": (now + timedelta(days=1)).isoformat(),
            },
        )
        r.raise_for_status()
        challenge_id = r.json()["id"]
        api.post(f"/api/challenges/{slug}/publish").raise_for_status()
        with Session(engine) as session:
            session.add_all(
                Entry(
                    challenge_id=challenge_id,
                    reference=f"B-{n:03d}",
                    owner_id=organiser.id,
                    title=f"Entry {n}",
                    status=EntryStatus.submitted,
                    eligibility=Eligibility.eligible,
                    licence_accepted=True,
                    submitted_at=now,
                )
                for n in range(1, ENTRIES + 1)
            )
            session.commit()
            entry_ids = list(
                session.scalars(
                    select(Entry.id).where(Entry.challenge_id == challenge_id).order_by(Entry.id)
                )
            )
        api.patch(
            f"/api/challenges/{slug}/voting",
            json={
                "enabled": True,
                "votes_per_voter": VOTES_PER_VOTER,
                "per_account_per_minute": 10_000,
                "per_address_per_minute": 100_000,
            },
        ).raise_for_status()
    return challenge_id, entry_ids


# --- Load -----------------------------------------------------------------------------------


@dataclass
class Run:
    statuses: Counter[int]
    seconds: float
    latencies: list[float]
    client_cpu: float

    @property
    def ok(self) -> int:
        return self.statuses[201]

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def send_all(
    url: str, requests: Sequence[tuple[str, dict[str, int | str], dict[str, str]]], clients: int
) -> Run:
    """POST every (path, body, headers) over `clients` connections, each sending its next
    request as soon as the last is answered."""

    async def run() -> tuple[Counter[int], list[float], float]:
        todo = iter(requests)
        statuses: Counter[int] = Counter()
        latencies: list[float] = []
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

        async def client_loop() -> None:
            async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
                await client.get("/healthz")
                for path, body, headers in todo:
                    t0 = time.perf_counter()
                    try:
                        response = await client.post(path, json=body, headers=headers)
                        statuses[response.status_code] += 1
                    except httpx.HTTPError:
                        statuses[0] += 1
                    latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(clients)))
        return statuses, latencies, time.perf_counter() - started

    cpu0 = time.process_time()
    statuses, latencies, seconds = asyncio.run(run())
    return Run(statuses, seconds, latencies, time.process_time() - cpu0)


def plan(voters: list[Voter], entry_ids: list[int], seed: int) -> list[tuple[Voter, int]]:
    rng = random.Random(seed)
    ballots = [(v, e) for v in voters for e in rng.sample(entry_ids, VOTES_PER_VOTER)]
    rng.shuffle(ballots)  # one voter's votes are often in flight together
    return ballots


def run_baseline(
    engine: Engine, server: Server, ballots: list[tuple[Voter, int]], clients: int
) -> Run:
    run_id = secrets.token_hex(8)
    requests = [
        ("/api/bench/rows", {"entry_id": e, "voter_id": v.id, "run": run_id}, {})
        for v, e in ballots
    ]
    result = send_all(server.url, requests, clients)
    with engine.connect() as conn:
        stored = conn.scalar(
            select(func.count()).select_from(baseline_rows).where(baseline_rows.c.run == run_id)
        )
    check(result, stored == len(requests), f"baseline rows {stored} for {len(requests)} sent")
    return result


def run_votes(
    engine: Engine,
    server: Server,
    challenge: tuple[int, str],
    ballots: list[tuple[Voter, int]],
    clients: int,
) -> Run:
    challenge_id, slug = challenge
    requests = [
        (
            f"/api/challenges/{slug}/votes",
            {"entry_id": e},
            {"Authorization": f"Bearer {v.token}"},
        )
        for v, e in ballots
    ]
    result = send_all(server.url, requests, clients)
    expected = Counter(e for _, e in ballots)
    with engine.connect() as conn:
        per_entry = dict(
            conn.execute(
                select(Vote.entry_id, func.count())
                .where(Vote.challenge_id == challenge_id)
                .group_by(Vote.entry_id)
            ).all()
        )
        counters = Counter(
            conn.scalars(select(Ballot.used).where(Ballot.challenge_id == challenge_id))
        )
    voters = len({v.id for v, _ in ballots})
    exact = per_entry == dict(expected) and counters == {VOTES_PER_VOTER: voters}
    check(
        result,
        exact,
        f"votes {sum(per_entry.values())} for {len(requests)} sent; ballots {dict(counters)}",
    )
    return result


def check(result: Run, exact: bool, what: str) -> None:
    if result.ok != sum(result.statuses.values()) or not exact:
        raise SystemExit(f"NOT EXACT: {what}; answers {dict(result.statuses)}")


def line(name: str, result: Run) -> str:
    return (
        f"  {name:<9} {result.ok:>6} in {result.seconds:6.1f} s = {result.ok / result.seconds:7.1f}"
        f"/s   p50 {result.pct(0.5) * 1000:7.1f} ms   p99 {result.pct(0.99) * 1000:7.1f} ms   "
        f"load generator CPU {result.client_cpu / result.seconds:.0%}   count exact"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument("--votes", type=int, default=3000, help="per run (5 per voter)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("--database-url must name a PostgreSQL database")
    ensure_database(args.database_url)
    run_migrations(args.database_url)
    engine = create_engine(normalise_database_url(args.database_url))
    scratch.create_all(engine)
    env = {
        **os.environ,
        "OPENCALL_ENVIRONMENT": "test",
        "OPENCALL_DATABASE_URL": args.database_url,
        "OPENCALL_SECRET_KEY": SECRET_KEY,
        "OPENCALL_MAIL_SENDER_IN_APP": "false",
    }
    workers = ["--workers", str(args.workers)]
    tag = secrets.token_hex(4)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "--log-level", "warning", *workers]
        servers = []
        try:
            servers.append(
                start_server("opencall", [*uvicorn, "app.main:create_app"], env, workdir)
            )
            servers.append(
                start_server(
                    "baseline",
                    [
                        *uvicorn,
                        "--app-dir",
                        str(Path(__file__).parent.resolve()),
                        "votes:baseline_app",
                    ],
                    env,
                    workdir,
                )
            )
            app_server, base_server = servers
            (organiser,) = make_voters(engine, 1, f"org-{tag}")
            voters = make_voters(engine, args.votes // VOTES_PER_VOTER, f"voter-{tag}")
            with engine.connect() as conn:
                version = conn.execute(text("SHOW server_version")).scalar()
            print(
                f"PostgreSQL {version}; {args.workers} workers per server, {args.clients} "
                f"clients, {len(voters) * VOTES_PER_VOTER} requests per run, {os.cpu_count()} CPUs"
            )
            # Warm both servers (imports, pools, statement caches) on a small run each.
            warm = voters[: max(1, len(voters) // 20)]
            challenge = open_call(engine, app_server, organiser, f"bench-{tag}-warm")
            run_baseline(engine, base_server, plan(warm, challenge[1], 0), args.clients)
            run_votes(
                engine,
                app_server,
                (challenge[0], f"bench-{tag}-warm"),
                plan(warm, challenge[1], 0),
                args.clients,
            )
            ratios = []
            for n in range(1, args.rounds + 1):
                slug = f"bench-{tag}-{n}"
                challenge_id, entry_ids = open_call(engine, app_server, organiser, slug)
                ballots = plan(voters, entry_ids, n)
                print(f"round {n}")
                base = run_baseline(engine, base_server, ballots, args.clients)
                print(line("baseline", base))
                votes = run_votes(engine, app_server, (challenge_id, slug), ballots, args.clients)
                print(line("votes", votes))
                ratios.append((votes.ok / votes.seconds) / (base.ok / base.seconds))
            print(
                f"votes / baseline throughput: median {statistics.median(ratios):.2f} "
                f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}; aim >= 0.5)"
            )
        finally:
            for server in servers:
                server.stop()
            scratch.drop_all(engine)
            engine.dispose()


if __name__ == "__main__":
    main()
