"""Soak: ten minutes of a contest's realistic mix against PostgreSQL with several workers, to
show that OpenCall holds steady over time: throughput, p50/p99 latency per interval, errors
(there must be none) and the workers' memory at the start and at the end (it must not grow).

What runs. The script drops and recreates the database given by --database-url, migrates it,
and starts OpenCall as production runs it: uvicorn with --workers worker processes, sharing
rate limits through Redis when one answers on --redis-url. Through the API (fixtures too
large for it are written straight into the database, as bench/votes.py does) it sets up:

- "soak-open", a call open for entries with a form (a long answer, a country, a consent box
  and a file field), entered by a pool of verified entrants;
- "soak-vote", a call in its public vote: 40 eligible entries, 5 votes per voter, a pool of
  verified voters a month old;
- "soak-judged", a call whose open round of 2 criteria has 3,000 eligible entries and 20
  judges, 2 judges per entry, assigned by the round's own assignment run (6,000 scorecards).

Then --clients clients, each one person's browser at a time, run this mix until the time is up
(each person has a distinct address, as behind the reverse proxy docs/deploy.md describes):

- browsing (40%): the calls list, a call, its form, the vote's gallery, a static page;
- drafting and submitting (20%): an entrant starts an entry, saves it twice as the editor's
  autosave does, attaches a 20 kB PDF to the file field, submits, and reads "my entries";
- scoring (15%): a judge opens an assignment, saves a draft scorecard and submits it;
- voting (20%): a voter reads the ballot, then votes; a voter whose 5 votes are used retracts
  one (and votes again on a later turn);
- organising (5%): the entries export of the open call (CSV, read to its end), the round's
  progress, the vote's totals, the open call's first page of entries.

Every answer is checked against what that step expects (200/201/204, the export's bytes);
anything else, a 5xx or a dropped connection is an error. The first --warmup seconds are not
counted (imports, pools, caches). Each --interval prints its requests, throughput, p50 and p99
and errors, and the workers' resident memory (VmRSS) at its end; the summary gives each kind
of step's figures, the last interval's p50 and p99 against the first's (1.00 = no drift), and
memory at the start against the end.

The server runs with MALLOC_ARENA_MAX=2, as the Dockerfile and docs/deploy.md run it; an
exported MALLOC_ARENA_MAX wins (16 is glibc's default on 2 cores: 8 per core).

The exit status is non-zero when there was any error or the workers' memory grew by more
than --max-growth (20% by default) from the end of the warm-up to the end of the run.

With --trace-memory the workers trace their Python allocations from the end of the warm-up
(bench/soak_traced.py): each interval also prints the bytes of those Python still holds
(after a garbage collection), and the summary lists where what is held at the end was
allocated. Traced bytes that level off while the resident size climbs are the allocator
keeping freed memory, not a leak. Tracing slows every allocation: read its throughput as no
figure.

Usage: .venv/bin/python bench/soak.py
       [--database-url postgresql://postgres@127.0.0.1:5432/benchsoak]   (dropped and recreated)
       [--workers 4] [--clients 32] [--duration 600] [--interval 60] [--warmup 30]
       [--redis-url redis://127.0.0.1:6379/13] [--trace-memory]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sizing import reset_database  # bench/sizing.py, beside this file
from sqlalchemy import Engine, create_engine, select
from sqlmodel import Session, col
from votes import SECRET_KEY, Server, Voter, make_voters, open_call, start_server  # bench/votes.py

from app.cli import run_migrations
from app.core.db import normalise_database_url, utcnow
from app.models import (
    Assignment,
    ChallengeRole,
    Eligibility,
    Entry,
    EntryStatus,
    Judge,
    JudgeStatus,
    Membership,
)

PG = "postgresql://postgres@127.0.0.1:5432/benchsoak"
JUDGED_ENTRIES = 3_000
JUDGES = 20
ENTRANTS = 8_000  # accounts; ACTIVE_ENTRANTS of them are at work at any time
VOTERS = 20_000
ACTIVE_ENTRANTS = 100
ACTIVE_VOTERS = 200
VOTES_PER_VOTER = 5
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
FORM: list[dict[str, Any]] = [
    {"key": "idea", "type": "long_text", "label": "Your idea", "required": True},
    {"key": "country", "type": "country", "label": "Country", "required": True},
    {"key": "consent", "type": "checkbox", "label": "I consent to sharing", "required": True},
    {
        "key": "poster",
        "type": "file",
        "label": "Poster",
        "config": {"accept": ["pdf"], "max_size_mb": 1, "max_files": 1},
    },
]
IDEA = (
    "Peer educators hand out oral self-test kits at youth clubs, with a hotline for "
    "support and a clinic referral card. "
)


# --- Set-up ---------------------------------------------------------------------------------


def _ok(response: httpx.Response, *expected: int) -> dict[str, Any]:
    if response.status_code not in (expected or (200,)):
        raise SystemExit(
            f"set-up failed: {response.request.url} {response.status_code}: {response.text}"
        )
    return response.json() if response.content else {}


def _insert_entries(engine: Engine, challenge_id: int, owner_id: int, count: int) -> None:
    now = utcnow()
    with Session(engine) as session:
        session.add_all(
            Entry(
                challenge_id=challenge_id,
                reference=f"J-{n:05d}",
                owner_id=owner_id,
                title=f"Judged entry {n}",
                summary="A submitted idea for the round.",
                answers={"idea": IDEA, "country": "NG", "consent": True},
                status=EntryStatus.submitted,
                eligibility=Eligibility.eligible,
                licence_accepted=True,
                submitted_at=now,
            )
            for n in range(1, count + 1)
        )
        session.commit()


@dataclass
class Contest:
    organiser: Voter
    entrants: list[Voter]
    voters: list[Voter]
    vote_entries: list[int]
    round_id: int
    values: list[dict[str, Any]]
    judges: dict[str, list[int]]  # a judge's token → their assignment ids


def _call(
    api: httpx.Client,
    slug: str,
    title: str,
    opens_in: timedelta,
    closes_in: timedelta,
    form: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A published call (through the API), open and closed relative to now, with its form."""
    now = utcnow()
    body = {
        "title": title,
        "slug": slug,
        "prompt": "How might we make HIV testing easier for young people?",
        "opens_at": (now + opens_in).isoformat(),
        "closes_at": (now + closes_in).isoformat(),
        **fields,
    }
    call = _ok(api.post("/api/challenges", json=body), 201)
    for spec in form or []:
        _ok(api.post(f"/api/challenges/{slug}/form/fields", json=spec), 201)
    _ok(api.post(f"/api/challenges/{slug}/publish"))
    return call


def set_up(engine: Engine, server: Server) -> Contest:
    now = utcnow()
    (organiser,) = make_voters(engine, 1, "organiser")
    headers = {"Authorization": f"Bearer {organiser.token}", "X-Forwarded-For": "10.0.0.1"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as api:
        # The call open for entries, with its form.
        _call(api, "soak-open", "Soak: ideas for HIV testing", timedelta(days=-1),
              timedelta(days=30), FORM, max_entries_per_participant=100)  # fmt: skip
        # The call in its public vote (bench/votes.py's: 40 eligible entries).
        _, vote_entries = open_call(engine, server, organiser, "soak-vote")
        # The judged call: its entries, a panel of active judges, an open round, assigned.
        judged = _call(
            api, "soak-judged", "Soak: a judged call", timedelta(days=-30), timedelta(days=-1)
        )
        _insert_entries(engine, judged["id"], organiser.id, JUDGED_ENTRIES)
        judge_users = make_voters(engine, JUDGES, "judge")
        with Session(engine) as session:
            for n, judge in enumerate(judge_users):
                session.add(
                    Judge(
                        challenge_id=judged["id"],
                        user_id=judge.id,
                        email=f"judge-{n}@bench.example.org",
                        display_name=f"Judge {n}",
                        status=JudgeStatus.active,
                        accepted_at=now,
                    )
                )
                session.add(
                    Membership(
                        challenge_id=judged["id"], user_id=judge.id, role=ChallengeRole.judge
                    )
                )
            session.commit()
        round_ = _ok(
            api.post(
                "/api/challenges/soak-judged/rounds",
                json={
                    "name": "Round 1",
                    "opens_at": (now - timedelta(hours=1)).isoformat(),
                    "closes_at": (now + timedelta(days=7)).isoformat(),
                    "judges_per_entry": 2,
                    "criteria": [
                        {"name": "Impact", "preset": "1-10"},
                        {"name": "Reach", "preset": "0-2"},
                    ],
                },
            ),
            201,
        )
        report = _ok(api.post(f"/api/rounds/{round_['id']}/assign", json={"seed": 1}))
        print(f"set-up: the round's assignment run made {report['pairs']} pairs")
    tokens = {judge.id: judge.token for judge in judge_users}
    judges: dict[str, list[int]] = {token: [] for token in tokens.values()}
    with Session(engine) as session:
        rows = session.execute(
            select(col(Assignment.id), col(Judge.user_id))
            .join(Judge, col(Judge.id) == col(Assignment.judge_id))
            .where(col(Assignment.round_id) == round_["id"])
            .order_by(col(Assignment.id))
        ).all()
    for assignment_id, user_id in rows:
        judges[tokens[user_id]].append(assignment_id)
    return Contest(
        organiser=organiser,
        entrants=make_voters(engine, ENTRANTS, "entrant"),
        voters=make_voters(engine, VOTERS, "voter"),
        vote_entries=vote_entries,
        round_id=round_["id"],
        values=[
            {"criterion_id": c["id"], "value": (c["scale_min"] + c["scale_max"]) // 2}
            for c in round_["criteria"]
        ],
        judges=judges,
    )


# --- The people ---------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the measured run began (negative in the warm-up)
    kind: str
    request: str
    seconds: float
    error: str | None


@dataclass
class Person:
    """One browser: its bearer token (none for a visitor), its address behind the proxy and
    where it is in its journey."""

    token: str | None
    address: str
    state: dict[str, Any] = field(default_factory=dict)
    busy: bool = False

    def headers(self) -> dict[str, str]:
        headers = {"X-Forwarded-For": self.address}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers


class Expectation(Exception):
    """An answer other than the one the step expects."""


# The request a step's time is mostly spent on (its last), as "GET /api/entries/{n}".
LAST_REQUEST: ContextVar[str] = ContextVar("LAST_REQUEST", default="")
NUMBER = re.compile(r"/\d+")


def _expect(response: httpx.Response, *statuses: int) -> httpx.Response:
    route = NUMBER.sub("/{n}", response.request.url.path)
    LAST_REQUEST.set(f"{response.request.method} {route}")
    if response.status_code not in statuses:
        raise Expectation(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:200]}"
        )
    return response


class Mix:
    def __init__(self, contest: Contest, seed: int) -> None:
        self.contest = contest
        self.rng = random.Random(seed)
        self.addresses = (
            f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in range(1, 10**7)
        )
        addresses = self.addresses
        self.visitors = deque(Person(None, next(addresses)) for _ in range(500))
        # Entrants and voters come, go through their journey and leave; a new account takes
        # each one's place, so that the crowd at work stays the same size.
        self.fresh_entrants = iter(contest.entrants[ACTIVE_ENTRANTS:])
        self.fresh_voters = iter(contest.voters[ACTIVE_VOTERS:])
        self.entrants = deque(
            Person(v.token, next(addresses)) for v in contest.entrants[:ACTIVE_ENTRANTS]
        )
        self.voters = deque(
            Person(v.token, next(addresses)) for v in contest.voters[:ACTIVE_VOTERS]
        )
        self.judges = deque(
            Person(token, next(addresses), {"todo": deque(ids)})
            for token, ids in contest.judges.items()
        )
        self.organiser = Person(contest.organiser.token, next(addresses))
        self.journeys: Counter[str] = Counter()
        self.ran_out: set[str] = set()  # kinds of people whose fresh accounts were all used
        self.kinds: list[tuple[str, float, Callable[[httpx.AsyncClient], Awaitable[None]]]] = [
            ("browse", 0.40, self.browse),
            ("enter", 0.20, self.enter),
            ("score", 0.15, self.score),
            ("vote", 0.20, self.vote),
            ("organise", 0.05, self.organise),
        ]

    def pick(self) -> tuple[str, Callable[[httpx.AsyncClient], Awaitable[None]]]:
        [(kind, _, step)] = self.rng.choices(self.kinds, weights=[w for _, w, _ in self.kinds])
        return kind, step

    @staticmethod
    @contextmanager
    def _turn(people: deque[Person]) -> Iterator[Person]:
        """The next person not already in a step (one browser does one thing at a time);
        round-robin, so each comes back after the others."""
        for _ in range(len(people)):
            person = people[0]
            people.rotate(-1)
            if not person.busy:
                break
        else:
            raise Expectation("everyone of this kind was busy: more clients than people")
        person.busy = True
        try:
            yield person
        finally:
            person.busy = False

    def _leave(self, person: Person, fresh: Iterator[Voter], kind: str) -> None:
        """The person's journey is over: a new account takes their place (when the accounts
        run out, the same person carries on)."""
        self.journeys[kind] += 1
        newcomer = next(fresh, None)
        if newcomer is None:
            self.ran_out.add(kind)
        else:
            person.token, person.address, person.state = newcomer.token, next(self.addresses), {}

    async def browse(self, client: httpx.AsyncClient) -> None:
        with self._turn(self.visitors) as person:
            await self._browse(client, person.headers())

    async def _browse(self, client: httpx.AsyncClient, who: dict[str, str]) -> None:
        path = self.rng.choice(
            [
                "/api/challenges",
                "/api/challenges/soak-open",
                "/api/challenges/soak-open/form",
                "/api/challenges/soak-vote/gallery",
                "/challenge.html",
            ]
        )
        _expect(await client.get(path, headers=who), 200)

    async def enter(self, client: httpx.AsyncClient) -> None:
        with self._turn(self.entrants) as person:
            await self._enter(client, person)

    async def _enter(self, client: httpx.AsyncClient, person: Person) -> None:
        who, state = person.headers(), person.state
        stage = state.get("stage", "start")
        if stage == "start":
            r = _expect(
                await client.post(
                    "/api/challenges/soak-open/entries", json={"title": ""}, headers=who
                ),
                201,
            )
            state.update(stage="draft", id=r.json()["id"], saves=0)
            return
        entry = state["id"]
        if stage == "draft":
            body: dict[str, Any] = {"title": f"Self-test kits in youth clubs {entry}"}
            if state["saves"]:
                body |= {
                    "summary": "Free self-test kits handed out by peers.",
                    "answers": {"idea": IDEA * 3, "country": "NG", "consent": True},
                    "licence_accepted": True,
                }
            _expect(await client.patch(f"/api/entries/{entry}", json=body, headers=who), 200)
            state["saves"] += 1
            if state["saves"] == 2:
                state["stage"] = "attach"
        elif stage == "attach":
            _expect(
                await client.post(
                    f"/api/entries/{entry}/attachments",
                    params={"field": "poster", "filename": "poster.pdf"},
                    content=PDF + os.urandom(20_000),
                    headers={**who, "Content-Type": "application/pdf"},
                ),
                201,
            )
            state["stage"] = "submit"
        elif stage == "submit":
            _expect(await client.post(f"/api/entries/{entry}/submit", headers=who), 200)
            state["stage"] = "mine"
        else:
            _expect(await client.get("/api/me/entries", headers=who), 200)
            state["stage"] = "start"
            self._leave(person, self.fresh_entrants, "entries submitted")

    async def score(self, client: httpx.AsyncClient) -> None:
        with self._turn(self.judges) as person:
            await self._score(client, person)

    async def _score(self, client: httpx.AsyncClient, person: Person) -> None:
        who, todo = person.headers(), person.state["todo"]
        if not todo:  # every scorecard in: the judge reads their list
            _expect(await client.get("/api/me/assignments", headers=who), 200)
            return
        assignment = todo[0]
        stage = person.state.get("stage", "open")
        if stage == "open":
            _expect(await client.get(f"/api/assignments/{assignment}", headers=who), 200)
            person.state["stage"] = "draft"
        elif stage == "draft":
            body = {"values": self.contest.values, "feedback": "Clear and practical; cost it."}
            path = f"/api/assignments/{assignment}/scorecard"
            _expect(await client.put(path, json=body, headers=who), 200)
            person.state["stage"] = "submit"
        else:
            path = f"/api/assignments/{assignment}/scorecard/submit"
            _expect(await client.post(path, headers=who), 200)
            todo.popleft()
            person.state["stage"] = "open"
            self.journeys["scorecards submitted"] += 1

    async def vote(self, client: httpx.AsyncClient) -> None:
        with self._turn(self.voters) as person:
            await self._vote(client, person)

    async def _vote(self, client: httpx.AsyncClient, person: Person) -> None:
        """Read the ballot, cast 5 votes; one voter in three then retracts one and votes
        again; then leaves."""
        state = person.state
        votes: dict[int, int] = state.setdefault("votes", {})
        if len(votes) == VOTES_PER_VOTER and (state.get("retracted") or self.rng.random() >= 1 / 3):
            self._leave(person, self.fresh_voters, "ballots completed")
            state = person.state
            votes = state.setdefault("votes", {})
        who = person.headers()
        if not state.get("read"):
            _expect(await client.get("/api/challenges/soak-vote/ballot", headers=who), 200)
            state["read"] = True
        elif len(votes) < VOTES_PER_VOTER:
            entry = self.rng.choice([e for e in self.contest.vote_entries if e not in votes])
            r = await client.post(
                "/api/challenges/soak-vote/votes", json={"entry_id": entry}, headers=who
            )
            votes[entry] = _expect(r, 201).json()["id"]
        else:
            entry, vote_id = self.rng.choice(list(votes.items()))
            _expect(await client.delete(f"/api/votes/{vote_id}", headers=who), 204)
            del votes[entry]
            state["retracted"] = True

    async def organise(self, client: httpx.AsyncClient) -> None:
        who = self.organiser.headers()
        which = self.rng.choice(["export", "progress", "tally", "entries"])
        if which == "export":
            async with client.stream(
                "GET", "/api/challenges/soak-open/exports/entries.csv", headers=who
            ) as r:
                _expect(r, 200)
                size = 0
                async for chunk in r.aiter_bytes():
                    size += len(chunk)
            if size == 0:
                raise Expectation("the entries export was empty")
        elif which == "progress":
            path = f"/api/rounds/{self.contest.round_id}/progress"
            _expect(await client.get(path, headers=who), 200)
        elif which == "tally":
            _expect(await client.get("/api/challenges/soak-vote/votes/counts", headers=who), 200)
        else:
            path = "/api/challenges/soak-open/entries"
            _expect(await client.get(path, params={"limit": 50}, headers=who), 200)


# --- Running and reporting ------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    """The uvicorn workers: the master's children spawned by multiprocessing."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def rss_mb(pids: list[int]) -> list[float]:
    sizes = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


async def traced_mb(pids: list[int], directory: Path, dump: int) -> list[float]:
    """Asks each traced worker to write what Python holds now (its `dump`th time) and waits
    for the answers (bench/soak_traced.py)."""
    for pid in pids:
        os.kill(pid, signal.SIGUSR1)
    sizes = []
    deadline = time.monotonic() + 300
    for pid in pids:
        figures = directory / f"{pid}.json"
        while True:
            try:
                data = json.loads(figures.read_text())
            except (FileNotFoundError, ValueError):
                data = {"dump": 0}
            if data["dump"] >= dump:
                sizes.append(data["traced"] / 2**20)
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"worker {pid} did not write its memory trace")
            await asyncio.sleep(0.5)
    return sizes


def growth_sites(directory: Path, pids: list[int], top: int = 12) -> list[str]:
    """What the workers held at the end of the memory they allocated after the warm-up,
    summed over the workers by call stack (most recent call first), largest first."""
    held: Counter[tuple[str, ...]] = Counter()
    blocks: Counter[tuple[str, ...]] = Counter()
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<unknown>"),
    ]
    for pid in pids:
        snapshot = tracemalloc.Snapshot.load(str(directory / f"{pid}.snap")).filter_traces(ignore)
        for stat in snapshot.statistics("traceback"):
            frames = tuple(f"{_short(frame.filename)}:{frame.lineno}" for frame in stat.traceback)
            held[frames] += stat.size
            blocks[frames] += stat.count
    return [
        f"{size / 2**20:8.2f} MB {blocks[frames]:8d} blocks  " + " < ".join(reversed(frames[-5:]))
        for frames, size in held.most_common(top)
    ]


def _short(filename: str) -> str:
    """A file's name from the checkout or from site-packages, without the machine's prefix."""
    for marker in ("/site-packages/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    root = str(Path(__file__).resolve().parents[1]) + "/"
    return filename.removeprefix(root)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(
    mix: Mix,
    url: str,
    clients: int,
    warmup: float,
    duration: float,
    interval: float,
    pids: list[int],
    trace: Path | None,
) -> tuple[list[Sample], list[list[float]], list[list[float]], float]:
    samples: list[Sample] = []
    memory: list[list[float]] = []
    traced: list[list[float]] = []
    started = time.perf_counter() + warmup  # the measured run's zero
    end = started + duration

    async def client_loop() -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
            while (now := time.perf_counter()) < end:
                kind, step = mix.pick()
                LAST_REQUEST.set("")
                error = None
                try:
                    await step(client)
                except Expectation as exc:
                    error = str(exc)
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                done = time.perf_counter()
                samples.append(Sample(done - started, kind, LAST_REQUEST.get(), done - now, error))

    async def sample() -> None:
        memory.append(rss_mb(pids))  # before the trace: writing one takes memory too
        if trace:
            traced.append(await traced_mb(pids, trace, len(traced) + 1))

    async def sampler() -> None:
        await asyncio.sleep(warmup)
        await sample()
        for n in range(1, round(duration / interval) + 1):
            await asyncio.sleep(max(0.0, started + n * interval - time.perf_counter()))
            await sample()

    cpu = time.process_time()
    await asyncio.gather(sampler(), *(client_loop() for _ in range(clients)))
    return samples, memory, traced, time.process_time() - cpu


def report(
    samples: list[Sample],
    memory: list[list[float]],
    traced: list[list[float]],
    duration: float,
    interval: float,
    args: Any,
) -> int:
    measured = [s for s in samples if 0 <= s.at < duration]  # not the warm-up, nor the tail
    errors = [s for s in measured if s.error]
    print(
        f"\n{'interval':>13} {'requests':>9} {'per s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'workers MB':>11}" + (f" {'traced MB':>10}" if traced else "")
    )
    windows = []
    for n in range(round(duration / interval)):
        low, high = n * interval, (n + 1) * interval
        window = [s for s in measured if low <= s.at < high]
        if not window:
            continue
        latencies = [s.seconds * 1000 for s in window]
        windows.append((pct(latencies, 0.5), pct(latencies, 0.99)))
        print(
            f"{low:>5.0f}-{high:<5.0f}s {len(window):>9} {len(window) / interval:>7.1f} "
            f"{windows[-1][0]:>7.1f} {windows[-1][1]:>7.1f} "
            f"{sum(1 for s in window if s.error):>6} {sum(memory[n + 1]):>11.0f}"
            + (f" {sum(traced[n + 1]):>10.1f}" if traced else "")
        )
    print(f"\n{'step':>9} {'requests':>9} {'share':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for kind in ("browse", "enter", "score", "vote", "organise"):
        these = [s for s in measured if s.kind == kind]
        if these:
            latencies = [s.seconds * 1000 for s in these]
            print(
                f"{kind:>9} {len(these):>9} {len(these) / len(measured):>6.0%} "
                f"{pct(latencies, 0.5):>7.1f} {pct(latencies, 0.99):>7.1f} "
                f"{sum(1 for s in these if s.error):>6}"
            )
    # Which requests slowed down, if the run did: each one's p50 in the first and last interval.
    first = [s for s in measured if s.at < interval]
    last = [s for s in measured if s.at >= duration - interval]
    print(f"\n{'request':<52} {'count':>6} {'p50 first':>9} {'p50 last':>8} {'last/first':>10}")
    for request, count in Counter(s.request for s in measured).most_common():
        early = [s.seconds * 1000 for s in first if s.request == request]
        late = [s.seconds * 1000 for s in last if s.request == request]
        if early and late:
            a, b = pct(early, 0.5), pct(late, 0.5)
            print(f"{request:<52} {count:>6} {a:>9.1f} {b:>8.1f} {b / a:>9.2f}x")
    for message, count in Counter(s.error for s in errors).most_common(10):
        print(f"error x{count}: {message}")
    start, end = sum(memory[0]), sum(memory[-1])
    growth = end / start - 1
    print(
        f"\nthroughput: {len(measured) / duration:.1f} requests per second over {duration:.0f} s "
        f"({len(measured)} requests)"
    )
    if len(windows) > 1:
        print(
            f"drift, last interval / first: p50 {windows[-1][0] / windows[0][0]:.2f}x, "
            f"p99 {windows[-1][1] / windows[0][1]:.2f}x (1.00 = steady)"
        )
    print(f"errors: {len(errors)} (must be 0)")
    print(
        f"workers' memory: {start:.0f} MB at the start ({', '.join(f'{m:.0f}' for m in memory[0])}), "
        f"{end:.0f} MB at the end ({', '.join(f'{m:.0f}' for m in memory[-1])}): {growth:+.1%} "
        f"(must stay within +{args.max_growth:.0%})"
    )
    if traced:
        held = ", ".join(f"{sum(minute):.1f}" for minute in traced[1:])
        print(
            "Python's own memory allocated after the warm-up and still held (traced, after a "
            f"garbage collection), minute by minute, MB: {held}"
        )
    failed = bool(errors) or growth > args.max_growth
    print("soak: FAILED" if failed else "soak: passed")
    return 1 if failed else 0


def fresh_database(url: str) -> Engine:
    """`url`'s database dropped, created again and migrated; an engine on it."""
    reset_database(url)
    run_migrations(url)
    return create_engine(normalise_database_url(url))


def server_env(database_url: str) -> dict[str, str]:
    """The environment OpenCall's uvicorn runs in for a benchmark on `database_url`."""
    env = {
        **os.environ,
        "OPENCALL_ENVIRONMENT": "test",
        "OPENCALL_DATABASE_URL": database_url,
        "OPENCALL_SECRET_KEY": SECRET_KEY,
        "OPENCALL_MAIL_SENDER_IN_APP": "false",
    }
    # As the Dockerfile and docs/deploy.md run it: glibc's default arenas (8 per core) let the
    # workers' memory climb for the whole ten minutes; export MALLOC_ARENA_MAX to try others.
    env.setdefault("MALLOC_ARENA_MAX", "2")
    return env


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("OPENCALL_BENCH_SOAK_PG_URL", PG))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=600, help="measured seconds")
    parser.add_argument("--interval", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=30)
    parser.add_argument("--max-growth", type=float, default=0.20)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="trace the workers' Python allocations and show where memory grew (slower)",
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("--database-url must name a PostgreSQL database")
    engine = fresh_database(args.database_url)
    env = server_env(args.database_url)
    shared = redis_answers(args.redis_url)
    if shared:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        env["OPENCALL_REDIS_URL"] = args.redis_url
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env["OPENCALL_UPLOAD_DIR"] = str(workdir / "uploads")
        trace = workdir / "trace" if args.trace_memory else None
        factory = "app.main:create_app"
        if trace:
            trace.mkdir()
            env["OPENCALL_SOAK_TRACE_DIR"] = str(trace)
            here = str(Path(__file__).resolve().parent)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
            factory = "soak_traced:create_app"
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "--log-level", "warning",
            "--workers", str(args.workers), factory,
        ]  # fmt: skip
        server = start_server("opencall", command, env, workdir)
        try:
            contest = set_up(engine, server)
            pids = worker_pids(server.process.pid)
            print(
                f"{args.workers} workers ({len(pids)} found, MALLOC_ARENA_MAX="
                f"{env['MALLOC_ARENA_MAX']}), {args.clients} clients, "
                f"{args.warmup:.0f} s warm-up then {args.duration:.0f} s measured; rate limits "
                f"{'shared in Redis' if shared else 'per worker (Redis did not answer)'}; "
                f"{os.cpu_count()} CPUs" + ("; Python allocations traced" if trace else "")
            )
            mix = Mix(contest, args.seed)
            samples, memory, traced, client_cpu = asyncio.run(
                run(
                    mix,
                    server.url,
                    args.clients,
                    args.warmup,
                    args.duration,
                    args.interval,
                    pids,
                    trace,
                )
            )
            print(
                f"load generator: {client_cpu:.0f} s of CPU in {args.warmup + args.duration:.0f} s"
            )
            status = report(samples, memory, traced, args.duration, args.interval, args)
            if trace:
                print(
                    "\nwhat the workers held at the end of what they allocated after the warm-up:"
                )
                for line in growth_sites(trace, pids) or ["nothing grew"]:
                    print(f"  {line}")
            done = ", ".join(f"{kind} {count}" for kind, count in sorted(mix.journeys.items()))
            print(f"journeys, warm-up included: {done}")
            for kind in sorted(mix.ran_out):
                print(f"note: the fresh accounts ran out ({kind}); the last ones carried on")
            log = server.log.read_text()
            if "Traceback" in log:
                print(f"the server logged a traceback:\n{log[-4000:]}")
                status = 1
        finally:
            server.stop()
            engine.dispose()
    raise SystemExit(status)


if __name__ == "__main__":
    main()
