"""Votes racing against a real server (two uvicorn workers, real sockets, the run's
database): exactness must come from the database, whatever arrives at once.

- 1,000 identical votes at once: one vote row, the ballot's counter at 1, 999 answers 409;
- 50 different votes at once from a voter allowed 3: exactly 3 counted, 47 answers 409;
- 10,000 votes from 2,000 voters over 50 clients, 5 each among 40 entries: every entry's
  count exact, no errors (about a minute on a two-CPU machine; OPENCALL_TEST_VOTERS sets
  another number of voters);
- votes around the window's edges: the server's clock decides, to the request;
- the per-account and per-address rate limits hold over both workers, to the vote.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from app.core.db import utcnow
from app.models import Ballot, Vote
from tests.voting.conftest import Account, VoteServer, make_accounts, open_call

SLUG = "vote-race"
VOTERS = int(os.environ.get("OPENCALL_TEST_VOTERS", "2000"))
# Longer than any answer should take, shorter than the test's budget: a stall fails quickly.
ANSWER_SECONDS = 50
# Limits out of the way: these tests are about exactness, not throttling.
NO_THROTTLE = {"per_account_per_minute": 10_000, "per_address_per_minute": 100_000}


@dataclass
class Answer:
    status: int
    code: str | None
    body: dict
    sent: float  # the wall clock (the server's clock too: same machine) when sent
    answered: float


async def _cast(client: httpx.AsyncClient, voter: Account, entry_id: int) -> Answer:
    sent = time.time()
    try:
        r = await client.post(
            f"/api/challenges/{SLUG}/votes", json={"entry_id": entry_id}, headers=voter.headers
        )
    except httpx.HTTPError as exc:  # no answer at all: status 0, the error's name as code
        return Answer(0, type(exc).__name__, {}, sent, time.time())
    answered = time.time()
    body = r.json() if r.content else {}
    code = body.get("error", {}).get("code") if r.status_code >= 400 else None
    return Answer(r.status_code, code, body, sent, answered)


def cast_at_once(server: VoteServer, ballots: Sequence[tuple[Account, int]]) -> list[Answer]:
    """Every vote on its own connection, opened beforehand, all released together."""

    async def run() -> list[Answer]:
        n = len(ballots)
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n, keepalive_expiry=60)
        async with httpx.AsyncClient(
            base_url=server.url, limits=limits, timeout=ANSWER_SECONDS
        ) as client:
            warm = await asyncio.gather(*(client.get("/healthz") for _ in range(n)))
            assert {r.status_code for r in warm} == {200}
            gate = asyncio.Event()

            async def one(voter: Account, entry_id: int) -> Answer:
                await gate.wait()
                return await _cast(client, voter, entry_id)

            tasks = [asyncio.create_task(one(v, e)) for v, e in ballots]
            await asyncio.sleep(0.1)  # every task waits at the gate
            gate.set()
            return list(await asyncio.gather(*tasks))

    return asyncio.run(run())


def cast_through_clients(
    server: VoteServer, ballots: Sequence[tuple[Account, int]], clients: int
) -> list[Answer]:
    """The votes shared among `clients` clients, each one connection casting as fast as it
    is answered."""

    async def run() -> list[Answer]:
        todo = iter(ballots)  # shared: each vote is taken by exactly one client
        answers: list[Answer] = []
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

        async def client_loop() -> None:
            async with httpx.AsyncClient(
                base_url=server.url, limits=limits, timeout=ANSWER_SECONDS
            ) as c:
                for voter, entry_id in todo:
                    answers.append(await _cast(c, voter, entry_id))

        await asyncio.gather(*(client_loop() for _ in range(clients)))
        return answers

    return asyncio.run(run())


def _ballot_used(server: VoteServer, challenge_id: int, voter: Account) -> int | None:
    with server.engine.connect() as conn:
        return conn.scalar(
            select(Ballot.used).where(
                Ballot.challenge_id == challenge_id, Ballot.voter_id == voter.id
            )
        )


def _votes_by_entry(server: VoteServer, challenge_id: int) -> dict[int, int]:
    with server.engine.connect() as conn:
        rows = conn.execute(
            select(Vote.entry_id, func.count())
            .where(Vote.challenge_id == challenge_id)
            .group_by(Vote.entry_id)
        ).all()
    return {entry_id: n for entry_id, n in rows}


def _failure(server: VoteServer, answers: list[Answer]) -> str:
    statuses = Counter((a.status, a.code) for a in answers)
    return f"answers: {dict(statuses)}\nserver log:\n{server.log_tail()}"


@pytest.mark.parametrize(
    ("votes_per_voter", "refusal"), [(1, "no_votes_left"), (3, "already_voted")]
)
def test_a_thousand_identical_votes_count_once(
    voting_server: VoteServer, votes_per_voter: int, refusal: str
) -> None:
    """With one vote the ballot's counter turns the copies away; with three, the counter
    lets them through and the unique constraint must, and the counter must go back."""
    organiser, voter = make_accounts(voting_server.engine, 2, "same")
    challenge_id, entries = open_call(
        voting_server, organiser, entries=3, votes_per_voter=votes_per_voter, **NO_THROTTLE
    )

    answers = cast_at_once(voting_server, [(voter, entries[1])] * 1000)

    statuses = Counter((a.status, a.code) for a in answers)
    assert statuses == {(201, None): 1, (409, refusal): 999}, _failure(voting_server, answers)
    assert _votes_by_entry(voting_server, challenge_id) == {entries[1]: 1}
    assert _ballot_used(voting_server, challenge_id, voter) == 1
    mine = httpx.get(
        f"{voting_server.url}/api/challenges/{SLUG}/votes/mine", headers=voter.headers
    ).json()
    assert (mine["used"], mine["left"], [v["entry_id"] for v in mine["votes"]]) == (
        1,
        votes_per_voter - 1,
        [entries[1]],
    )


def test_fifty_different_votes_at_once_stop_at_the_voters_three(
    voting_server: VoteServer,
) -> None:
    organiser, voter = make_accounts(voting_server.engine, 2, "fifty")
    challenge_id, entries = open_call(
        voting_server, organiser, entries=50, votes_per_voter=3, **NO_THROTTLE
    )

    answers = cast_at_once(voting_server, [(voter, e) for e in entries])

    statuses = Counter((a.status, a.code) for a in answers)
    assert statuses == {(201, None): 3, (409, "no_votes_left"): 47}, _failure(
        voting_server, answers
    )
    accepted = sorted(a.body["entry_id"] for a in answers if a.status == 201)
    assert _votes_by_entry(voting_server, challenge_id) == dict.fromkeys(accepted, 1)
    assert _ballot_used(voting_server, challenge_id, voter) == 3


def test_votes_from_many_voters_over_fifty_clients_are_counted_exactly(
    voting_server: VoteServer,
) -> None:
    engine = voting_server.engine
    (organiser,) = make_accounts(engine, 1, "organiser")
    challenge_id, entries = open_call(
        voting_server, organiser, entries=40, votes_per_voter=5, **NO_THROTTLE
    )
    voters = make_accounts(engine, VOTERS, "crowd")
    rng = random.Random(2026)
    ballots = [(voter, entry) for voter in voters for entry in rng.sample(entries, 5)]
    # Interleaved, so one voter's five votes are often in flight together.
    rng.shuffle(ballots)
    expected = Counter(entry for _, entry in ballots)

    answers = cast_through_clients(voting_server, ballots, clients=50)

    total = 5 * VOTERS
    assert len(answers) == total
    assert Counter(a.status for a in answers) == {201: total}, _failure(voting_server, answers)
    r = httpx.get(
        f"{voting_server.url}/api/challenges/{SLUG}/votes/counts", headers=organiser.headers
    )
    assert r.status_code == 200, r.text
    counts = r.json()
    assert (counts["counted"], counts["held"], counts["discarded"], counts["voters"]) == (
        total,
        0,
        0,
        VOTERS,
    )
    per_entry: dict[int, int] = {}
    params: dict[str, str | int] = {"limit": 200}
    while True:
        r = httpx.get(
            f"{voting_server.url}/api/challenges/{SLUG}/votes/counts/entries",
            params=params,
            headers=organiser.headers,
        )
        assert r.status_code == 200, r.text
        page = r.json()
        per_entry |= {e["entry_id"]: e["counted"] for e in page["items"]}
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert per_entry == dict(expected)
    assert _votes_by_entry(voting_server, challenge_id) == dict(expected)
    with engine.connect() as conn:
        used = conn.execute(
            select(Ballot.used, func.count())
            .where(Ballot.challenge_id == challenge_id)
            .group_by(Ballot.used)
        ).all()
    assert [tuple(row) for row in used] == [(5, VOTERS)]


@pytest.mark.parametrize("scope", ["account", "address"])
def test_rate_limits_hold_across_workers(voting_server: VoteServer, scope: str) -> None:
    """Forty votes at once, over both workers: one voter allowed 5 a minute, or forty voters
    behind one address allowed 7: exactly that many counted, the rest told when to retry."""
    organiser, *voters = make_accounts(voting_server.engine, 41, f"limit-{scope}")
    allowed = 5 if scope == "account" else 7
    limits = (
        {"per_account_per_minute": allowed, "per_address_per_minute": 100_000}
        if scope == "account"
        else {"per_account_per_minute": 10_000, "per_address_per_minute": allowed}
    )
    challenge_id, entries = open_call(
        voting_server, organiser, entries=40, votes_per_voter=40, **limits
    )
    ballots = (
        [(voters[0], e) for e in entries]
        if scope == "account"
        else [(v, entries[n]) for n, v in enumerate(voters)]
    )

    answers = cast_at_once(voting_server, ballots)

    statuses = Counter((a.status, a.code) for a in answers)
    assert statuses == {(201, None): allowed, (429, "too_many_attempts"): 40 - allowed}, _failure(
        voting_server, answers
    )
    assert sum(_votes_by_entry(voting_server, challenge_id).values()) == allowed


def _sweep(
    server: VoteServer, voter: Account, entries: list[int], edge: datetime, offsets: list[float]
) -> list[Answer]:
    """One vote at each offset (seconds) from `edge`, each for another entry, in order."""

    async def run() -> list[Answer]:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            await client.get("/healthz")  # the connection is open before the first vote
            answers = []
            for offset, entry_id in zip(offsets, entries, strict=False):
                await asyncio.sleep(max(0.0, edge.timestamp() + offset - time.time()))
                answers.append(await _cast(client, voter, entry_id))
            return answers

    return asyncio.run(run())


OFFSETS = [round(-0.6 + 0.03 * n, 2) for n in range(31)]  # -0.6 s to +0.3 s around the edge


def _set_window(server: VoteServer, organiser: Account, **moments: datetime) -> None:
    r = httpx.patch(
        f"{server.url}/api/challenges/{SLUG}",
        json={name: moment.isoformat() for name, moment in moments.items()},
        headers=organiser.headers,
    )
    assert r.status_code == 200, r.text


def test_votes_at_the_closing_second(voting_server: VoteServer) -> None:
    organiser, voter = make_accounts(voting_server.engine, 2, "closing")
    challenge_id, entries = open_call(
        voting_server, organiser, entries=len(OFFSETS), votes_per_voter=100, **NO_THROTTLE
    )
    closes_at = utcnow() + timedelta(seconds=2)
    _set_window(voting_server, organiser, voting_closes_at=closes_at)

    answers = _sweep(voting_server, voter, entries, closes_at, OFFSETS)

    edge = closes_at.timestamp()
    for answer in answers:
        assert (answer.status, answer.code) in {(201, None), (409, "voting_closed")}, answer
        if answer.answered < edge:  # decided before the close: counted
            assert answer.status == 201, answer
        if answer.sent >= edge:  # asked after the close: refused
            assert answer.status == 409, answer
        if answer.status == 201:  # and the server's own time of the vote is inside
            assert datetime.fromisoformat(answer.body["created_at"]) < closes_at, answer
    # In order: every vote before the first refusal was counted, none after it.
    statuses = [a.status for a in answers]
    first_refused = statuses.index(409) if 409 in statuses else len(statuses)
    assert 0 < first_refused < len(answers), statuses
    assert statuses == [201] * first_refused + [409] * (len(answers) - first_refused)
    assert sum(_votes_by_entry(voting_server, challenge_id).values()) == first_refused
    assert _ballot_used(voting_server, challenge_id, voter) == first_refused


def test_votes_at_the_opening_second(voting_server: VoteServer) -> None:
    organiser, voter = make_accounts(voting_server.engine, 2, "opening")
    challenge_id, entries = open_call(
        voting_server,
        organiser,
        entries=len(OFFSETS),
        voting_opens_in=timedelta(hours=1),
        votes_per_voter=100,
        **NO_THROTTLE,
    )
    opens_at = utcnow() + timedelta(seconds=2)
    _set_window(voting_server, organiser, voting_opens_at=opens_at)

    answers = _sweep(voting_server, voter, entries, opens_at, OFFSETS)

    edge = opens_at.timestamp()
    for answer in answers:
        assert (answer.status, answer.code) in {(201, None), (409, "voting_upcoming")}, answer
        if answer.answered < edge:
            assert answer.status == 409, answer
        if answer.sent >= edge:
            assert answer.status == 201, answer
        if answer.status == 201:
            assert datetime.fromisoformat(answer.body["created_at"]) >= opens_at, answer
    statuses = [a.status for a in answers]
    first_counted = statuses.index(201) if 201 in statuses else len(statuses)
    assert 0 < first_counted < len(answers), statuses
    assert statuses == [409] * first_counted + [201] * (len(answers) - first_counted)
    assert sum(_votes_by_entry(voting_server, challenge_id).values()) == len(answers) - (
        first_counted
    )
