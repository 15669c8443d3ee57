"""A deadline rush: many entrants press "Submit" on complete drafts of one call at the same
moment, against the same entrants saving those drafts at the same moment (the baseline, in
the same run).

Submits to one call queue for the call's row: each takes the call's next reference (HIV-0042)
under its lock, so that references are gap-free and the per-entrant limit holds. A save takes
no such lock. The ratio says how much of a save's concurrency a submit keeps: what the lock
costs at a deadline.

What runs. The script drops and recreates the database given by --database-url (PostgreSQL,
as production), migrates it, starts OpenCall as production runs it (uvicorn, --workers
workers), and through the API opens a call with one required question. Each round makes
--entrants fresh verified entrants, each with a complete draft, then:

1. the save rush: every entrant saves their draft (PATCH, a changed summary) at once;
2. the submit rush: every entrant submits their draft at once.

It prints, per rush, the requests per second (all of them answered, divided by the time from
the first sent to the last answered) and the p50 and p99 latency, then the submit rush's
throughput over the save rush's, each round and the median. It checks every answer (200),
and that the references given are exactly HIV-0001 up to the number submitted, each once.

Usage: .venv/bin/python bench/rush.py [--entrants 200] [--rounds 3] [--workers 4]
       [--database-url postgresql://postgres@127.0.0.1:5432/benchrush]   (dropped and recreated)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx
from soak import _call, _ok, fresh_database, server_env  # bench/soak.py
from votes import Voter, make_voters, start_server  # bench/votes.py

PG = "postgresql://postgres@127.0.0.1:5432/benchrush"
SLUG = "rush"
FORM = [{"key": "idea", "type": "long_text", "label": "Your idea", "required": True}]
DRAFT = {
    "title": "Self-test kits in youth clubs",
    "summary": "Free self-test kits handed out by peers.",
    "answers": {"idea": "Trained peers hand out kits after football and answer questions."},
    "licence_accepted": True,
}


def headers(person: Voter, n: int) -> dict[str, str]:
    """Each entrant behind the proxy with their own address (rate limits are per address)."""
    return {
        "Authorization": f"Bearer {person.token}",
        "X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
    }


async def rush(
    url: str, people: list[tuple[Voter, int, int]], send: Callable[..., Awaitable[httpx.Response]]
) -> tuple[float, list[float], list[httpx.Response]]:
    """Every person's request sent at once; returns requests per second, latencies, answers."""
    limits = httpx.Limits(max_connections=len(people), max_keepalive_connections=len(people))
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as client:
        # One request each first, so the rush does not also time opening connections.
        await asyncio.gather(*(client.get("/healthz") for _ in people))
        latencies: list[float] = []

        async def one(person: Voter, n: int, entry_id: int) -> httpx.Response:
            started = time.perf_counter()
            response = await send(client, person, n, entry_id)
            latencies.append(time.perf_counter() - started)
            return response

        started = time.perf_counter()
        answers = await asyncio.gather(*(one(*person) for person in people))
        elapsed = time.perf_counter() - started
    return len(people) / elapsed, latencies, answers


async def save(client: httpx.AsyncClient, person: Voter, n: int, entry_id: int) -> httpx.Response:
    body = {"summary": f"Free self-test kits handed out by peers (saved by entrant {n})."}
    return await client.patch(f"/api/entries/{entry_id}", json=body, headers=headers(person, n))


async def submit(client: httpx.AsyncClient, person: Voter, n: int, entry_id: int) -> httpx.Response:
    return await client.post(f"/api/entries/{entry_id}/submit", headers=headers(person, n))


def drafts(url: str, people: list[Voter], first: int) -> list[tuple[Voter, int, int]]:
    """A complete draft for each person (through the API, one after another)."""
    out = []
    with httpx.Client(base_url=url, timeout=60) as api:
        for n, person in enumerate(people, start=first):
            h = headers(person, n)
            entry = _ok(
                api.post(f"/api/challenges/{SLUG}/entries", json={"title": ""}, headers=h), 201
            )
            _ok(api.patch(f"/api/entries/{entry['id']}", json=DRAFT, headers=h))
            out.append((person, n, int(entry["id"])))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def check(answers: list[httpx.Response], what: str) -> None:
    wrong = [f"{r.status_code} {r.text[:200]}" for r in answers if r.status_code != 200]
    if wrong:
        raise SystemExit(f"{what}: {len(wrong)} answers were not 200, the first: {wrong[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("OPENCALL_BENCH_RUSH_PG_URL", PG))
    parser.add_argument("--entrants", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    engine = fresh_database(args.database_url)
    env = server_env(args.database_url)
    ratios = []
    submitted: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env["OPENCALL_UPLOAD_DIR"] = str(workdir / "uploads")
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "--log-level", "warning",
            "--workers", str(args.workers), "app.main:create_app",
        ]  # fmt: skip
        server = start_server("opencall", command, env, workdir)
        try:
            (organiser,) = make_voters(engine, 1, "organiser")
            with httpx.Client(
                base_url=server.url,
                headers={"Authorization": f"Bearer {organiser.token}"},
                timeout=60,
            ) as api:
                _call(api, SLUG, "Rush: ideas for HIV testing", timedelta(days=-1),
                      timedelta(days=30), FORM, max_entries_per_participant=1,
                      reference_prefix="HIV")  # fmt: skip
            print(
                f"{args.workers} workers, {args.entrants} entrants at once, {args.rounds} "
                f"rounds, {os.cpu_count()} CPUs, {args.database_url.split('@')[-1]}"
            )
            print(f"{'round':>5} {'rush':>7} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8}")
            for n in range(1, args.rounds + 1):
                people = make_voters(engine, args.entrants, f"rush{n}")
                ready = drafts(server.url, people, first=(n - 1) * args.entrants)
                figures = {}
                for name, send in (("save", save), ("submit", submit)):
                    rate, latencies, answers = asyncio.run(rush(server.url, ready, send))
                    check(answers, f"the {name} rush")
                    if name == "submit":
                        submitted += [r.json()["reference"] for r in answers]
                    figures[name] = rate
                    print(
                        f"{n:>5} {name:>7} {rate:>7.1f} {pct(latencies, 0.5) * 1000:>8.0f} "
                        f"{pct(latencies, 0.99) * 1000:>8.0f}"
                    )
                ratios.append(figures["submit"] / figures["save"])
                print(f"{n:>5} submit / save throughput: {ratios[-1]:.2f}")
            log = server.log.read_text()
            if "Traceback" in log:
                raise SystemExit(f"the server logged a traceback:\n{log[-4000:]}")
        finally:
            server.stop()
            engine.dispose()
    expected = [f"HIV-{n:04d}" for n in range(1, len(submitted) + 1)]
    if sorted(submitted) != expected:
        raise SystemExit(
            "the references given are not HIV-0001 up to the number submitted, once each"
        )
    print(f"references: {len(submitted)} given, HIV-0001 to {expected[-1]}, each once")
    print(
        f"deadline rush: submit throughput / save throughput, median of {len(ratios)}: "
        f"{statistics.median(ratios):.2f}"
    )


if __name__ == "__main__":
    main()
