"""A contest at full size on PostgreSQL: what it takes on disk, and how the reads that matter
fare at that size, each against a bare query timed in the same run.

What is built. The script drops and recreates the database given by --database-url, migrates
it, starts one uvicorn worker of OpenCall on it, and writes one call at the size docs/deploy.md
sizes for, straight into the database (COPY, and INSERT ... SELECT over generate_series):

- 100,000 entrants and their submitted, eligible entries (bench/exports.py's `fill`: the same
  rows its export figure was measured on), one submit revision and one session each;
- a scoring round of 3 criteria: 1,000 judges, 3 assignments per entry, each with a submitted
  scorecard (a short comment and feedback) and its 3 score values (1 in 100 N/A), every
  entry taken into the round: 300,000 scorecards, 900,000 score values;
- 200,000 verified voter accounts a month old, each with a session and a ballot of 5 votes
  used, and 1,000,000 counted votes (5 distinct entries per voter, spread over 7 days and
  20,000 networks): rows the app counts exactly as its own (the tally is checked).

Foreign-key triggers are off while loading (`session_replication_role = replica`; the rows are
valid by construction, and the counts are checked afterwards); every index is kept.

What is printed: each table's size with its indexes (`pg_total_relation_size`) and the
database's; the bulk load's rows per second (context, not a product figure); one worker's
resident memory, idle and at its peak during the heavy reads; one verification message's size
in the outbox; and, each as a ratio against a bare query in the same run:

- the vote tally: its totals (GET /api/challenges/{slug}/votes/counts), one page of 200
  entries (GET .../votes/counts/entries), and every page in turn, each entry's votes counted,
  held and discarded apart, vs `SELECT entry_id, count(*) FROM vote GROUP BY entry_id`;
- the round's ranking: the service (`round_scores`, normalised) and the endpoint
  (GET /api/rounds/{id}/ranking) vs a bare GROUP BY mean of the same score rows
  (bench/judging_scores.py's baseline);
- the first and the last page of the entries list (GET /api/challenges/{slug}/entries, 50 a
  page; the last page by its cursor) vs a bare indexed `SELECT ... LIMIT 50` of the same rows;
- one vote through the API, one client, p50 of 50 votes, with 1,000,000 votes in the table vs
  the same before any vote was loaded (a small call of 40 entries, the vote table empty but
  for the warm-up).

Usage: .venv/bin/python bench/sizing.py
       [--database-url postgresql://postgres@127.0.0.1:5432/benchsize]   (dropped and recreated)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import psycopg
from entries import start_server  # bench/entries.py, beside this file
from exports import Sampler, fill  # bench/exports.py
from judging_scores import baseline as bare_round_mean  # bench/judging_scores.py
from judging_scores import full as ranking_service
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from votes import SECRET_KEY, Server, Voter, make_voters, open_call  # bench/votes.py

from app.cli import run_migrations
from app.core.db import normalise_database_url, utcnow
from app.core.pagination import encode_cursor
from app.models.judging import Criterion, Round

ENTRIES = 100_000
VOTERS = 200_000
VOTES_PER_VOTER = 5
JUDGES = 1_000
SCORECARDS_PER_ENTRY = 3
CRITERIA = 3
PAGE = 50
TALLY_PAGE = 200


def reset_database(url: str) -> str:
    """Drop and recreate the database; answer its plain (psycopg) URL."""
    target = make_url(normalise_database_url(url))
    admin = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target.database}"')
    return target.set(drivername="postgresql").render_as_string(hide_password=False)


def open_big_call(api: httpx.Client, slug: str) -> int:
    """A published call, closed for entries, its public vote open: 5 votes per voter."""
    now = utcnow()
    r = api.post(
        "/api/challenges",
        json={
            "title": "Sizing benchmark",
            "slug": slug,
            "prompt": "How big can one contest get?",
            "opens_at": (now - timedelta(days=60)).isoformat(),
            "closes_at": (now - timedelta(days=20)).isoformat(),
            "voting_opens_at": (now - timedelta(days=7)).isoformat(),
            "voting_closes_at": (now + timedelta(days=1)).isoformat(),
        },
    )
    r.raise_for_status()
    api.post(f"/api/challenges/{slug}/publish").raise_for_status()
    api.patch(
        f"/api/challenges/{slug}/voting",
        json={
            "enabled": True,
            "votes_per_voter": VOTES_PER_VOTER,
            "per_account_per_minute": 10_000,
            "per_address_per_minute": 100_000,
        },
    ).raise_for_status()
    return int(r.json()["id"])


def make_round(engine: Engine, challenge_id: int) -> int:
    with Session(engine) as session:
        rnd = Round(challenge_id=challenge_id, position=1, name="Round 1", normalise=True)
        session.add(rnd)
        session.flush()
        assert rnd.id is not None
        for position, weight in enumerate((1.0, 2.0, 1.0)):
            session.add(
                Criterion(
                    round_id=rnd.id,
                    position=position,
                    name=f"C{position}",
                    weight=weight,
                    allow_na=True,
                )
            )
        session.commit()
        return rnd.id


def load(url: str, challenge_id: int, round_id: int) -> tuple[dict[str, int], dict[str, float]]:
    """Everything but the entries (written by `fill`), in SQL; answers the rows written and
    the seconds taken, per table."""
    now = utcnow()
    written: dict[str, int] = {}
    seconds: dict[str, float] = {}
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no FK triggers while loading
        cur.execute("SELECT setseed(0.42)")

        def run(table: str, sql: str, params: dict[str, object]) -> None:
            started = time.perf_counter()
            cur.execute(sql, params)
            written[table] = written.get(table, 0) + cur.rowcount
            seconds[table] = seconds.get(table, 0.0) + time.perf_counter() - started

        p: dict[str, object] = {
            "c": challenge_id,
            "r": round_id,
            "now": now,
            "month": now - timedelta(days=30),
            "judges": JUDGES,
            "voters": VOTERS,
            "per": VOTES_PER_VOTER,
            "entries": ENTRIES,
            "k": SCORECARDS_PER_ENTRY,
        }
        cur.execute(
            "CREATE TEMP TABLE e AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, owner_id "
            "FROM entry WHERE challenge_id = %(c)s",
            p,
        )
        cur.execute("CREATE UNIQUE INDEX ON e (n)")
        run(
            "entry_revision",
            "INSERT INTO entry_revision (entry_id, number, kind, author_id, created_at, snapshot) "
            "SELECT x.id, 1, 'submit', x.owner_id, %(now)s, json_build_object("
            "'title', x.title, 'summary', x.summary, 'category', x.category, 'language', "
            "x.language, 'answers', x.answers, 'team', '[]'::json, 'licence_accepted', true, "
            "'form_version', 1, 'attachments', '[]'::json) FROM entry x "
            "WHERE x.challenge_id = %(c)s",
            p,
        )
        # Judges, each with an account.
        run(
            "user",
            'INSERT INTO "user" (email, display_name, password_hash, is_admin, is_active, '
            "email_verified_at, created_at, updated_at) SELECT 'judge-' || g || "
            "'@bench.example.org', 'Judge ' || g, 'x', false, true, %(month)s, %(month)s, "
            "%(month)s FROM generate_series(0, %(judges)s - 1) g",
            p,
        )
        run(
            "judge",
            "INSERT INTO judge (challenge_id, user_id, email, display_name, affiliation, tags, "
            "languages, status, invited_at, accepted_at) SELECT %(c)s, u.id, u.email, "
            "u.display_name, 'University ' || (u.id %% 50), '[\"clinician\"]'::json, "
            "'[\"en\"]'::json, 'active', %(month)s, %(month)s FROM \"user\" u "
            "WHERE u.email LIKE 'judge-%%'",
            p,
        )
        cur.execute(
            "CREATE TEMP TABLE j AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id "
            "FROM judge WHERE challenge_id = %(c)s",
            p,
        )
        cur.execute("CREATE UNIQUE INDEX ON j (n)")
        run(
            "round_entry",
            "INSERT INTO round_entry (round_id, entry_id) SELECT %(r)s, id FROM e ORDER BY n",
            p,
        )
        # Entry n gets judges 3n, 3n+1, 3n+2 (mod the panel): three distinct judges each.
        run(
            "assignment",
            "INSERT INTO assignment (round_id, entry_id, judge_id, source, created_at) "
            "SELECT %(r)s, e.id, j.id, 'auto', %(now)s FROM e CROSS JOIN generate_series(0, "
            "%(k)s - 1) k JOIN j ON j.n = (e.n * %(k)s + k) %% %(judges)s ORDER BY e.n, k",
            p,
        )
        run(
            "scorecard",
            "INSERT INTO scorecard (assignment_id, status, comment, feedback, created_at, "
            "updated_at, submitted_at) SELECT a.id, 'submitted', 'Clear problem statement; the "
            "budget for the second year needs more detail before it could be funded.', 'A "
            "strong, well argued idea. Say more about who will run it after the pilot.', "
            "%(now)s, %(now)s, %(now)s FROM assignment a WHERE a.round_id = %(r)s ORDER BY a.id",
            p,
        )
        # A value per criterion: the entry's quality, the judge's bias, noise; 1 in 100 N/A.
        run(
            "score_value",
            "INSERT INTO score_value (scorecard_id, criterion_id, value) "
            "SELECT s.id, c.id, CASE WHEN random() < 0.01 THEN NULL ELSE "
            "least(10, greatest(1, round(3 + (a.entry_id %% 6) + (a.judge_id %% 5) - 2 "
            "+ random() * 2 - 1))) END "
            "FROM scorecard s JOIN assignment a ON a.id = s.assignment_id "
            "CROSS JOIN criterion c WHERE a.round_id = %(r)s AND c.round_id = %(r)s "
            "ORDER BY s.id, c.id",
            p,
        )
        # Voters: verified, a month old, one session each (entrants get theirs too).
        run(
            "user",
            'INSERT INTO "user" (email, display_name, password_hash, is_admin, is_active, '
            "email_verified_at, created_at, updated_at) SELECT 'voter-' || g || "
            "'@bench.example.org', 'Voter ' || g, '$argon2id$v=19$m=65536,t=3,p=4$' || "
            "md5(g::text) || '$' || md5((g + 1)::text), false, true, %(month)s, %(month)s, "
            "%(month)s FROM generate_series(0, %(voters)s - 1) g",
            p,
        )
        cur.execute(
            "CREATE TEMP TABLE v AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id "
            "FROM \"user\" WHERE email LIKE 'voter-%%'"
        )
        cur.execute("CREATE UNIQUE INDEX ON v (n)")
        run(
            "user_session",
            "INSERT INTO user_session (user_id, token_hash, created_at, last_seen_at, expires_at, "
            "user_agent, ip) SELECT id, encode(sha256(('s' || id)::bytea), 'hex'), %(now)s, "
            "%(now)s, %(now)s + interval '14 days', 'Mozilla/5.0 (Linux; Android 13) "
            "AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36', '203.0.113.' || (id %% 250) "
            "FROM (SELECT id FROM v UNION ALL SELECT owner_id FROM e) accounts",
            p,
        )
        run(
            "ballot",
            "INSERT INTO ballot (challenge_id, voter_id, used) SELECT %(c)s, id, %(per)s FROM v "
            "ORDER BY n",
            p,
        )
        # Vote g is voter g / 5's; entry (g * 7919) mod 100,000: 7919 is prime to 100,000, so
        # one voter's 5 consecutive g land on 5 distinct entries, 10 votes per entry in all.
        run(
            "vote",
            "INSERT INTO vote (challenge_id, entry_id, voter_id, status, network, new_account, "
            "created_at) SELECT %(c)s, e.id, v.id, 'counted', md5('net' || (v.n %% 20000)) || "
            "md5('key' || (v.n %% 20000)), false, %(now)s - (g %% 604800) * interval '1 second' "
            "FROM generate_series(0, %(voters)s * %(per)s - 1) g "
            "JOIN v ON v.n = g / %(per)s JOIN e ON e.n = (g::bigint * 7919) %% %(entries)s "
            "ORDER BY g",
            p,
        )
        conn.commit()
        conn.autocommit = True
        started = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
        seconds["VACUUM ANALYZE"] = time.perf_counter() - started
    return written, seconds


def sizes(url: str) -> tuple[list[tuple[str, int, int]], int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 3 DESC"
        ).fetchall()
        total = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    assert total is not None
    return [(r[0], max(0, r[1]), r[2]) for r in rows], int(total[0])


def timed(fn: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` timings after a first, warming call; a read slower than 5 s is
    timed once more only (the whole run has to stay within minutes)."""
    started = time.perf_counter()
    fn()
    if time.perf_counter() - started > 5:
        repeat = 1
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cast_votes(url: str, slug: str, voters: list[Voter], entry_ids: list[int]) -> list[float]:
    """One client, one vote at a time: each voter votes once; answers the latencies."""
    latencies = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for voter, entry_id in zip(voters, entry_ids, strict=True):
            started = time.perf_counter()
            r = client.post(
                f"/api/challenges/{slug}/votes",
                json={"entry_id": entry_id},
                headers={"Authorization": f"Bearer {voter.token}"},
            )
            latencies.append(time.perf_counter() - started)
            if r.status_code != 201:
                raise SystemExit(f"vote refused: {r.status_code} {r.text}")
    return latencies


def mb(n: float) -> str:
    return f"{n / 1e6:9,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/benchsize",
        help="a PostgreSQL database, dropped and recreated here",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timings per heavy read")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("--database-url must name a PostgreSQL database")
    plain = reset_database(args.database_url)
    run_migrations(args.database_url)
    engine = create_engine(normalise_database_url(args.database_url))
    os.environ["OPENCALL_SECRET_KEY"] = SECRET_KEY  # the tokens make_voters hashes
    with TemporaryDirectory() as tmp:
        process, url = start_server(Path(tmp), args.database_url)
        try:
            with engine.connect() as conn:
                version = conn.execute(text("SHOW server_version")).scalar()
                buffers = conn.execute(text("SHOW shared_buffers")).scalar()
            print(
                f"PostgreSQL {version} (shared_buffers {buffers}); one uvicorn worker; "
                f"{os.cpu_count()} CPUs"
            )
            idle_rss = Sampler.rss_mb(process.pid)
            (organiser,) = make_voters(engine, 1, "organiser")
            api = httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {organiser.token}"}, timeout=600
            )

            # One vote on an empty vote table: a small call, 10 warm-up votes, then 50 timed.
            small_voters = make_voters(engine, 60, "small")
            server = Server("opencall", url, process, Path(tmp) / "server.log")
            _small_id, small_entries = open_call(engine, server, organiser, "small")
            picks = [small_entries[n % len(small_entries)] for n in range(60)]
            cast_votes(url, "small", small_voters[:10], picks[:10])
            empty_votes = cast_votes(url, "small", small_voters[10:], picks[10:])

            # One outbox message as registration queues it (text and HTML bodies).
            httpx.post(
                f"{url}/api/auth/register",
                json={
                    "email": "newcomer@bench.example.org",
                    "display_name": "Newcomer",
                    "password": "a long enough password 123",
                },
                headers={"Origin": url},
            ).raise_for_status()
            with psycopg.connect(plain) as conn:
                message = conn.execute(
                    "SELECT pg_column_size(text_body) + coalesce(pg_column_size(html_body), 0), "
                    "octet_length(text_body) + coalesce(octet_length(html_body), 0) "
                    "FROM outbox_message ORDER BY id DESC LIMIT 1"
                ).fetchone()
            assert message is not None

            # The contest at full size.
            slug = "sizing"
            challenge_id = open_big_call(api, slug)
            round_id = make_round(engine, challenge_id)
            started = time.perf_counter()
            fill(plain, challenge_id, ENTRIES, "entrant")
            fill_s = time.perf_counter() - started
            written, seconds = load(plain, challenge_id, round_id)
            load_s = time.perf_counter() - started
            rows = 2 * ENTRIES + sum(written.values())
            print(
                f"loaded {rows:,} rows in {load_s:.0f} s ({rows / load_s:,.0f} rows/s, context "
                f"only): 100,000 entrants and entries by COPY in {fill_s:.1f} s, then by "
                "INSERT ... SELECT: "
                + ", ".join(f"{t} {n:,} in {seconds[t]:.1f} s" for t, n in written.items())
                + f"; VACUUM ANALYZE {seconds['VACUUM ANALYZE']:.1f} s"
            )

            tables, total = sizes(plain)
            print("size on disk, with indexes (pg_total_relation_size):")
            for name, estimate, size in tables:
                if size >= 1_000_000:
                    per_row = f"{size / estimate:6.0f} B a row" if estimate else ""
                    print(f"  {name:<16} {mb(size)}  {estimate:>10,} rows  {per_row}")
            small = sum(s for _, _, s in tables if s < 1_000_000)
            print(f"  {'the other tables':<16} {mb(small)}")
            print(f"  {'database':<16} {mb(total)}  (pg_database_size)")
            print(
                f"one verification message in the outbox: {message[1]:,} bytes of text and "
                f"HTML ({message[0]:,} as stored)"
            )

            sampler = Sampler(process.pid)
            sampler.start()

            # The vote tally: the totals, a page of entries, and every page in turn.
            def totals() -> None:
                r = api.get(f"/api/challenges/{slug}/votes/counts")
                r.raise_for_status()
                if r.json()["counted"] != VOTERS * VOTES_PER_VOTER:
                    raise SystemExit(f"NOT EXACT: {r.json()['counted']} counted votes")

            def tally_page(cursor: str | None = None) -> dict[str, Any]:
                params: dict[str, str | int] = {"limit": TALLY_PAGE}
                if cursor:
                    params["cursor"] = cursor
                r = api.get(f"/api/challenges/{slug}/votes/counts/entries", params=params)
                r.raise_for_status()
                page: dict[str, Any] = r.json()
                return page

            def tally() -> None:
                entries = counted = 0
                cursor: str | None = None
                while True:
                    page = tally_page(cursor)
                    entries += len(page["items"])
                    counted += sum(e["counted"] for e in page["items"])
                    cursor = page["next_cursor"]
                    if cursor is None:
                        break
                if (entries, counted) != (ENTRIES, VOTERS * VOTES_PER_VOTER):
                    raise SystemExit(f"NOT EXACT: {entries} entries, {counted} counted votes")

            def bare_tally() -> None:
                with psycopg.connect(plain) as conn:
                    got = conn.execute("SELECT entry_id, count(*) FROM vote GROUP BY entry_id")
                    if len(got.fetchall()) < ENTRIES:
                        raise SystemExit("NOT EXACT: the bare tally missed entries")

            tally_s, bare_tally_s = timed(tally, args.repeat), timed(bare_tally, args.repeat)
            totals_s = timed(totals, 20)
            page_s = timed(tally_page, 20)
            print(
                f"vote tally (1,000,000 votes, 100,000 entries): totals (GET /votes/counts, "
                f"p50 of 20) {totals_s:.2f} s; one page of {TALLY_PAGE} entries "
                f"(GET /votes/counts/entries, p50 of 20) {page_s * 1000:.1f} ms; every page in "
                f"turn ({ENTRIES // TALLY_PAGE} requests) {tally_s:.2f} s vs bare GROUP BY "
                f"{bare_tally_s:.2f} s: {tally_s / bare_tally_s:.1f}x"
            )

            # The round's ranking.
            bare_s = timed(lambda: bare_round_mean(engine, round_id), args.repeat)
            service_s = timed(lambda: ranking_service(engine, round_id), args.repeat)
            print(
                f"ranking of the round (300,000 scorecards, 900,000 values): bare GROUP BY mean "
                f"{bare_s:.2f} s; round_scores (normalised) {service_s:.2f} s "
                f"({service_s / bare_s:.1f}x)"
            )
            # The ranking, the preview and the standings come a page at a time (the order is
            # computed whole).
            for name, method, path in (
                ("the ranking, first page of 50", "GET", f"/api/rounds/{round_id}/ranking"),
                (
                    "the ranking, one reference",
                    "GET",
                    f"/api/rounds/{round_id}/ranking?q=B-099999",
                ),
                (
                    "the advancement preview, first page of 50",
                    "POST",
                    f"/api/rounds/{round_id}/advancement/preview",
                ),
                (
                    "the final standings, first page of 50",
                    "GET",
                    f"/api/challenges/{slug}/results/standings",
                ),
                # The assignment page's reads: entries with their judges a page at a time,
                # the progress per judge; and the API's whole list of 300,000 pairs.
                (
                    "the entries with their judges, first page of 50",
                    "GET",
                    f"/api/rounds/{round_id}/assignments/entries",
                ),
                ("the round's progress", "GET", f"/api/rounds/{round_id}/progress"),
                ("every pair of the round", "GET", f"/api/rounds/{round_id}/assignments"),
            ):
                started = time.perf_counter()
                r = api.request(method, path, json={} if method == "POST" else None)
                took = time.perf_counter() - started
                if r.status_code != 200:
                    print(
                        f"  {method} {path} ({name}): {r.status_code} "
                        f"{r.json()['error']['code']} after {took:.1f} s, at 100,000 entries"
                    )
                    continue
                size = len(r.content)

                def again(m: str = method, p: str = path) -> None:
                    api.request(m, p, json={} if m == "POST" else None).raise_for_status()

                took = timed(again, args.repeat)
                print(
                    f"  {method} {path} ({name}): {took:.2f} s ({took / bare_s:.1f}x the bare "
                    f"mean), {size / 1e6:.2f} MB"
                )
            sampler.running = False
            sampler.join()

            # The entries list: the first page and the last (by its cursor).
            with psycopg.connect(plain) as conn:
                first = conn.execute(
                    "SELECT min(id) FROM entry WHERE challenge_id = %s", (challenge_id,)
                ).fetchone()
            assert first is not None
            last_cursor = int(first[0]) + PAGE

            def page(cursor: int | None) -> Callable[[], None]:
                params: dict[str, str | int] = {"limit": PAGE}
                if cursor is not None:
                    params["cursor"] = encode_cursor(cursor)

                def get() -> None:
                    r = api.get(f"/api/challenges/{slug}/entries", params=params)
                    r.raise_for_status()
                    if len(r.json()["items"]) != PAGE:
                        raise SystemExit("NOT EXACT: a short page")

                return get

            def bare_page(
                conn: psycopg.Connection[tuple[object, ...]], before: int
            ) -> Callable[[], None]:
                def get() -> None:
                    got = conn.execute(
                        "SELECT id, reference, title, status, eligibility, channel, category, "
                        "owner_id, submitted_at FROM entry WHERE challenge_id = %s AND id < %s "
                        "ORDER BY id DESC LIMIT %s",
                        (challenge_id, before, PAGE),
                    ).fetchall()
                    if len(got) != PAGE:
                        raise SystemExit("NOT EXACT: a short bare page")

                return get

            with psycopg.connect(plain) as conn:
                pages = {
                    "first": (timed(page(None), 20), timed(bare_page(conn, 2**31 - 1), 20)),
                    "last": (timed(page(last_cursor), 20), timed(bare_page(conn, last_cursor), 20)),
                }
            for which, (ours, bare) in pages.items():
                print(
                    f"entries list, {which} page of 2,000 (p50 of 20): API {ours * 1000:.1f} ms "
                    f"vs bare indexed SELECT ... LIMIT 50 {bare * 1000:.2f} ms: {ours / bare:.0f}x"
                )
            print(
                f"  last page / first page: API {pages['last'][0] / pages['first'][0]:.2f}x, "
                f"bare {pages['last'][1] / pages['first'][1]:.2f}x"
            )

            # One vote with 1,000,000 in the table.
            big_voters = make_voters(engine, 60, "late")
            with psycopg.connect(plain) as conn:
                spread = [
                    r[0]
                    for r in conn.execute(
                        "SELECT id FROM entry WHERE challenge_id = %s ORDER BY id", (challenge_id,)
                    ).fetchall()[:: ENTRIES // 60]
                ][:60]
            cast_votes(url, slug, big_voters[:10], spread[:10])
            full_votes = cast_votes(url, slug, big_voters[10:], spread[10:])
            empty_p50 = statistics.median(empty_votes)
            full_p50 = statistics.median(full_votes)
            print(
                f"one vote, one client (p50 of 50): {full_p50 * 1000:.1f} ms with 1,000,000 votes "
                f"in the table vs {empty_p50 * 1000:.1f} ms on an empty one: "
                f"{full_p50 / empty_p50:.2f}x"
            )
            print(
                f"worker memory (resident): {idle_rss:.0f} MB at start, peak "
                f"{sampler.peak:.0f} MB during the tally, the ranking and the standings, "
                f"{Sampler.rss_mb(process.pid):.0f} MB at the end"
            )
            api.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
            engine.dispose()


if __name__ == "__main__":
    main()
