"""Export throughput and memory on PostgreSQL, against PostgreSQL's own COPY, in one run.

What is measured. The script migrates the database given by --database-url (creating it when
it does not exist) and fills calls of growing size (by default 10,000, 50,000 and 100,000
entries; entrants, answers to a five-question form, a country each) straight into the
database. A single uvicorn worker of OpenCall serves them. For each call:

- the export: GET /api/challenges/{slug}/exports/entries.csv as the organiser, read to the
  end (every byte checked to hold a header and one row per entry), timed by the client;
- the baseline: `COPY (SELECT the same entry and entrant columns, in the same order)
  TO STDOUT WITH CSV HEADER` through psycopg, read to the end, in the same run;
- the server's memory: its resident set sampled every 20 ms during the export; the peak
  over what it held before the export is printed per size, so "flat as rows grow" shows.

Throughput is rows per second; the ratio is the export's over COPY's (aim >= 0.3), and the
memory aim is < 150 MB, flat as rows grow. Then the evaluation dashboard's stats endpoint for
the same call (best of three, its counts checked), against one bare GROUP BY of its entries.

Usage: .venv/bin/python bench/exports.py --database-url postgresql://postgres@127.0.0.1:5432/benchx
       [--sizes 10000,50000,100000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import threading
import time
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
import psycopg
from entries import start_server  # bench/entries.py, beside this file
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from votes import ensure_database  # bench/votes.py

from app.cli import run_migrations
from app.core.db import normalise_database_url, utcnow
from app.core.security import hash_token, new_token
from app.models import User, UserSession

SECRET_KEY = "bench-exports-secret-key-long-enough-0123456789abcdef"
FORM = [
    {"key": "idea", "type": "long_text", "label": "Your idea"},
    {"key": "country", "type": "country", "label": "Country"},
    {"key": "budget", "type": "money", "label": "Budget", "config": {"currency": "USD"}},
    {
        "key": "gender",
        "type": "choice",
        "label": "Gender",
        "config": {"choices": ["Woman", "Man", "Non-binary", "Prefer not to say"]},
    },
    {"key": "age", "type": "number", "label": "Age", "config": {"integer": True}},
]
COUNTRIES = ["NG", "KE", "IN", "BR", "GB", "ZA", "PH", "VN"]
COPY_SQL = """COPY (
  SELECT e.id, e.reference, e.status, e.eligibility, e.eligibility_reason, e.channel,
         e.category, e.language, e.title, e.summary, e.licence, e.answers->>'country',
         e.owner_id, u.display_name, u.email, e.submitter_name, e.submitter_contact,
         e.created_at, e.submitted_at, e.updated_at, e.withdrawn_at,
         e.answers->>'idea', e.answers->>'country', e.answers->'budget'->>'amount',
         e.answers->>'gender', e.answers->>'age'
  FROM entry e LEFT JOIN "user" u ON u.id = e.owner_id
  WHERE e.challenge_id = %s ORDER BY e.id
) TO STDOUT WITH CSV HEADER"""


def organiser(engine: object, tag: str) -> tuple[int, str]:
    token = new_token()
    now = utcnow()
    with engine.begin() as conn:  # type: ignore[attr-defined]
        user_id = conn.execute(
            insert(User)
            .values(
                email=f"org-{tag}@bench.example.org",
                display_name="Bench Organiser",
                password_hash="$argon2id$v=19$m=1024,t=1,p=1$unused$unused",
                email_verified_at=now,
                created_at=now,
                updated_at=now,
            )
            .returning(User.id)
        ).scalar_one()
        conn.execute(
            insert(UserSession).values(
                user_id=user_id,
                token_hash=hash_token(SECRET_KEY, token),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(days=1),
            )
        )
    return user_id, token


def make_call(api: httpx.Client, slug: str) -> int:
    now = utcnow()
    r = api.post(
        "/api/challenges",
        json={
            "title": "Export benchmark",
            "slug": slug,
            "prompt": "How fast can a contest be exported?",
            "opens_at": (now - timedelta(days=30)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
        },
    )
    r.raise_for_status()
    for field in FORM:
        api.post(f"/api/challenges/{slug}/form/fields", json=field).raise_for_status()
    return int(r.json()["id"])


def fill(url: str, challenge_id: int, count: int, tag: str) -> None:
    """`count` entrants and their submitted entries, written with COPY (the fast way in)."""
    now = utcnow().isoformat()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        users = io.StringIO()
        for i in range(count):
            users.write(
                f"{tag}-{i}@bench.example.org\tEntrant {i}, of the bench\tx\tf\tt\t{now}\t{now}\t{now}\n"
            )
        with cur.copy(
            'COPY "user" (email, display_name, password_hash, is_admin, is_active, '
            "email_verified_at, created_at, updated_at) FROM STDIN"
        ) as copy:
            copy.write(users.getvalue())
        cur.execute(
            'SELECT id FROM "user" WHERE email LIKE %s ORDER BY id', (f"{tag}-%@bench.example.org",)
        )
        ids = [row[0] for row in cur.fetchall()]
        with cur.copy(
            "COPY entry (challenge_id, reference, owner_id, channel, title, summary, answers, "
            "form_version, licence_accepted, status, eligibility, rule_outcomes, created_at, "
            "updated_at, submitted_at) FROM STDIN"
        ) as copy:
            for i, owner in enumerate(ids):
                answers = json.dumps(
                    {
                        "idea": f'Idea {i}: peers, kits and "quotes", more',
                        "country": COUNTRIES[i % len(COUNTRIES)],
                        "budget": {"amount": i % 5000 + 0.5, "currency": "USD"},
                        "gender": "Woman",
                        "age": 18 + i % 40,
                    }
                )
                copy.write_row(
                    (
                        challenge_id,
                        f"B-{i:06d}",
                        owner,
                        "web",
                        f"Entry {i}",
                        "A summary, with a comma",
                        answers,
                        1,
                        True,
                        "submitted",
                        "eligible",
                        "[]",
                        now,
                        now,
                        now,
                    )
                )
        conn.commit()


class Sampler(threading.Thread):
    """The server's resident set, every 20 ms, while running."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    @staticmethod
    def rss_mb(pid: int) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.rss_mb(self.pid))
            time.sleep(0.02)


BARE_STATS = """SELECT status, eligibility, count(*) FROM entry WHERE challenge_id = %s
GROUP BY status, eligibility"""


def time_stats(
    api: httpx.Client, url: str, slug: str, challenge_id: int, size: int
) -> tuple[float, float]:
    """The dashboard's stats endpoint for the call (best of three, its figures checked), and
    the baseline: one bare GROUP BY over the same entries through psycopg (best of three)."""
    stats_s = bare_s = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        r = api.get(f"/api/challenges/{slug}/stats")
        r.raise_for_status()
        stats_s = min(stats_s, time.perf_counter() - started)
        figures = r.json()
        if (
            figures["entries"]["submitted"] != size
            or sum(c["count"] for c in figures["countries"]) != size
        ):
            raise SystemExit(f"NOT EXACT: stats counted {figures['entries']} for {size} entries")
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for _ in range(3):
            started = time.perf_counter()
            cur.execute(BARE_STATS, (challenge_id,))
            counted = sum(row[2] for row in cur.fetchall())
            bare_s = min(bare_s, time.perf_counter() - started)
            if counted != size:
                raise SystemExit(f"NOT EXACT: the bare count saw {counted} of {size}")
    return stats_s, bare_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database")
    parser.add_argument("--sizes", default="10000,50000,100000")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("--database-url must name a PostgreSQL database")
    sizes = [int(s) for s in args.sizes.split(",")]
    ensure_database(args.database_url)
    run_migrations(args.database_url)
    engine = create_engine(normalise_database_url(args.database_url))
    plain_url = (
        make_url(normalise_database_url(args.database_url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )
    os.environ["OPENCALL_SECRET_KEY"] = SECRET_KEY
    tag = secrets.token_hex(4)
    with TemporaryDirectory() as tmp:
        process, url = start_server(Path(tmp), args.database_url)
        try:
            _user_id, token = organiser(engine, tag)
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=url, headers=headers, timeout=600) as api:
                with engine.connect() as conn:
                    version = conn.execute(text("SHOW server_version")).scalar()
                print(f"PostgreSQL {version}; one uvicorn worker; {os.cpu_count()} CPUs")
                for size in sizes:
                    slug = f"export-{tag}-{size}"
                    challenge_id = make_call(api, slug)
                    fill(plain_url, challenge_id, size, f"{tag}-{size}")
                    api.post(f"/api/challenges/{slug}/publish").raise_for_status()
                    before = Sampler.rss_mb(process.pid)
                    sampler = Sampler(process.pid)
                    sampler.start()
                    started = time.perf_counter()
                    received = 0
                    lines = 0
                    with api.stream("GET", f"/api/challenges/{slug}/exports/entries.csv") as r:
                        r.raise_for_status()
                        for chunk in r.iter_bytes():
                            received += len(chunk)
                            lines += chunk.count(b"\r\n")
                    export_s = time.perf_counter() - started
                    sampler.running = False
                    sampler.join()
                    if lines != size + 1:
                        raise SystemExit(f"NOT EXACT: {lines - 1} rows for {size} entries")
                    started = time.perf_counter()
                    copied = 0
                    with (
                        psycopg.connect(plain_url) as conn,
                        conn.cursor() as cur,
                        cur.copy(COPY_SQL, (challenge_id,)) as copy,
                    ):
                        for block in copy:
                            copied += len(block)
                    copy_s = time.perf_counter() - started
                    stats_s, bare_s = time_stats(api, plain_url, slug, challenge_id, size)
                    print(
                        f"  {size:>7,} entries: export {export_s:6.2f} s "
                        f"({size / export_s:8,.0f} rows/s, {received / 1e6:5.1f} MB), "
                        f"COPY {copy_s:5.2f} s ({size / copy_s:8,.0f} rows/s, "
                        f"{copied / 1e6:5.1f} MB): ratio {copy_s / export_s:.2f} (aim >= 0.3); "
                        f"server memory {before:.0f} MB before, peak {sampler.peak:.0f} MB "
                        f"(+{sampler.peak - before:.0f} MB; aim < 150 MB, flat)"
                    )
                    print(
                        f"  {size:>7,} entries: stats endpoint {stats_s:5.2f} s, one bare "
                        f"GROUP BY of the same entries {bare_s:5.3f} s: ratio "
                        f"{bare_s / stats_s:.2f} (every dashboard figure in {stats_s:.2f} s)"
                    )
        finally:
            process.terminate()
            process.wait(timeout=30)
            engine.dispose()


if __name__ == "__main__":
    main()
