"""A round's scores at scale, measured against a baseline taken in the same run.

Builds one scoring round of 50,000 entries x 3 submitted scorecards = 150,000 scorecards
x 3 criteria (450,000 score values, a few of them N/A), then times `round_scores` (every
entry's statistics, judge statistics, normalisation, disagreement and ICC) against a bare
`SELECT entry_id, AVG(value) ... GROUP BY entry_id` over the same score rows.

Usage: .venv/bin/python bench/judging_scores.py [--entries 50000] [--repeat 3]
       [--database-url postgresql://postgres@127.0.0.1:5432/somedb]   (default: a fresh
       SQLite file; a given database must be empty: it is migrated and filled here)
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, insert, select
from sqlmodel import Session

from app.cli import run_migrations
from app.core.db import normalise_database_url, utcnow
from app.judging.scoring import round_scores
from app.models import Challenge, Entry, User
from app.models.judging import Assignment, Criterion, Judge, Round, Scorecard, ScoreValue

SCORECARDS_PER_ENTRY = 3
JUDGES = 300
CHUNK = 5000


def _insert(engine: Engine, table: object, rows: list[dict[str, object]]) -> None:
    with engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(table), rows[start : start + CHUNK])  # type: ignore[call-overload]


def build_round(engine: Engine, entries: int, seed: int = 1) -> int:
    """Fill an empty, migrated database with one challenge and one scoring round."""
    rng = random.Random(seed)
    now = utcnow()
    _insert(
        engine,
        User,
        [{"id": 1, "email": "org@bench.example.org", "display_name": "Org", "password_hash": "x"}],
    )
    with Session(engine) as session:
        challenge = Challenge(slug="bench", title="Bench call", categories=["A", "B"])
        session.add(challenge)
        session.flush()
        assert challenge.id is not None
        challenge_id = challenge.id
        rnd = Round(challenge_id=challenge_id, position=1, name="Round 1", normalise=True)
        session.add(rnd)
        session.flush()
        assert rnd.id is not None
        round_id = rnd.id
        for position, weight in enumerate((1.0, 2.0, 1.0)):
            session.add(
                Criterion(
                    round_id=round_id,
                    position=position,
                    name=f"C{position}",
                    weight=weight,
                    allow_na=True,
                )
            )
        session.commit()
    with Session(engine) as session:
        criteria = [
            c for c in session.scalars(select(Criterion.id).where(Criterion.round_id == round_id))
        ]
    _insert(
        engine,
        Judge,
        [
            {
                "id": j,
                "challenge_id": challenge_id,
                "email": f"judge{j}@bench.example.org",
                "display_name": f"Judge {j}",
                "affiliation": "",
                "tags": [],
                "languages": [],
                "status": "active",
                "invited_at": now,
            }
            for j in range(1, JUDGES + 1)
        ],
    )
    _insert(
        engine,
        Entry,
        [
            {
                "id": i,
                "challenge_id": challenge_id,
                "reference": f"B-{i:05d}",
                "title": f"Entry {i}",
                "summary": "s",
                "category": "A" if i % 2 else "B",
                "answers": {},
                "status": "submitted",
                "eligibility": "eligible",
                "channel": "web",
                "rule_outcomes": [],
                "form_version": 1,
                "licence_accepted": True,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now,
            }
            for i in range(1, entries + 1)
        ],
    )
    assignments: list[dict[str, object]] = []
    scorecards: list[dict[str, object]] = []
    values: list[dict[str, object]] = []
    # Each judge has a bias, so normalisation has work to do.
    bias = {j: rng.uniform(-2.0, 2.0) for j in range(1, JUDGES + 1)}
    for i in range(1, entries + 1):
        quality = rng.uniform(3.0, 8.0)
        for k in range(SCORECARDS_PER_ENTRY):
            judge = (i * SCORECARDS_PER_ENTRY + k) % JUDGES + 1
            n = len(assignments) + 1
            assignments.append(
                {
                    "id": n,
                    "round_id": round_id,
                    "entry_id": i,
                    "judge_id": judge,
                    "source": "auto",
                    "created_at": now,
                }
            )
            scorecards.append(
                {
                    "id": n,
                    "assignment_id": n,
                    "status": "submitted",
                    "comment": "",
                    "feedback": "",
                    "created_at": now,
                    "updated_at": now,
                    "submitted_at": now,
                }
            )
            for criterion_id in criteria:
                value: float | None = float(
                    min(10, max(1, round(quality + bias[judge] + rng.gauss(0, 1))))
                )
                if rng.random() < 0.01:
                    value = None
                values.append({"scorecard_id": n, "criterion_id": criterion_id, "value": value})
    _insert(engine, Assignment, assignments)
    _insert(engine, Scorecard, scorecards)
    _insert(engine, ScoreValue, values)
    return round_id


def baseline(engine: Engine, round_id: int) -> int:
    """The bare GROUP BY: each entry's mean raw value over its submitted score rows."""
    query = (
        select(Assignment.entry_id, func.avg(ScoreValue.value))
        .select_from(ScoreValue)
        .join(Scorecard, Scorecard.id == ScoreValue.scorecard_id)
        .join(Assignment, Assignment.id == Scorecard.assignment_id)
        .where(Assignment.round_id == round_id, Scorecard.status == "submitted")
        .group_by(Assignment.entry_id)
    )
    with Session(engine) as session:
        return len(session.execute(query).all())


def full(engine: Engine, round_id: int) -> int:
    with Session(engine) as session:
        return len(round_scores(session, round_id).entries)


def timed(fn: object, engine: Engine, round_id: int, repeat: int) -> tuple[float, int]:
    times = []
    rows = 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = fn(engine, round_id)  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        run_migrations(url)
        engine = create_engine(normalise_database_url(url))
        started = time.perf_counter()
        round_id = build_round(engine, args.entries)
        print(
            f"built {args.entries:,} entries x {SCORECARDS_PER_ENTRY} scorecards x 3 criteria "
            f"on {engine.dialect.name} in {time.perf_counter() - started:.1f} s"
        )
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        # Warm the caches once so both timings read the same pages from memory.
        baseline(engine, round_id)
        base, base_rows = timed(baseline, engine, round_id, args.repeat)
        ours, our_rows = timed(full, engine, round_id, args.repeat)
        print(f"bare SQL GROUP BY mean:      {base * 1000:8.1f} ms  ({base_rows:,} entries)")
        print(f"round_scores (normalised):   {ours * 1000:8.1f} ms  ({our_rows:,} entries)")
        print(f"ratio: {ours / base:.2f}x  (aim <= 3x; median of {args.repeat})")
        engine.dispose()


if __name__ == "__main__":
    main()
