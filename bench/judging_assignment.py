"""Judge assignment at scale, measured against a baseline taken in the same run.

Assigns 10,000 entries to 200 judges, k = 3, judges carrying some of 5 perspective tags (one
required on every panel) and 500 random conflicts, all seeded; the baseline is a naive
round-robin that ignores every rule. Prints the best of several runs of each, their ratio,
the spread of judges' loads and the number of shortfalls.

Usage: .venv/bin/python bench/judging_assignment.py [--entries 10000] [--judges 200] [--k 3]
       [--conflicts 500] [--repeat 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from app.judging.assignment import AssignmentPlan, EntrySpec, JudgeSpec, assign

TAGS = ("community", "clinician", "researcher", "youth", "policy")


def round_robin(entry_ids: list[int], judge_ids: list[int], k: int) -> set[tuple[int, int]]:
    """The baseline: judges dealt out in turn, whatever the conflicts, caps and tags."""
    pairs = set()
    turn = 0
    for e in entry_ids:
        for _ in range(k):
            pairs.add((e, judge_ids[turn % len(judge_ids)]))
            turn += 1
    return pairs


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--judges", type=int, default=200)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--conflicts", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    entries = [EntrySpec(id=i) for i in range(1, args.entries + 1)]
    judges = [
        JudgeSpec(id=j, tags=frozenset(rng.sample(TAGS, rng.randint(1, 2))))
        for j in range(1, args.judges + 1)
    ]
    conflicts: set[tuple[int, int]] = set()
    while len(conflicts) < args.conflicts:
        conflicts.add((rng.randint(1, args.entries), rng.randint(1, args.judges)))
    required = frozenset({"clinician"})

    plan: list[AssignmentPlan] = []

    def run_assign() -> None:
        plan[:] = [assign(entries, judges, args.k, conflicts=conflicts, required_tags=required)]

    entry_ids = [e.id for e in entries]
    judge_ids = [j.id for j in judges]
    baseline = best_of(args.repeat, lambda: round_robin(entry_ids, judge_ids, args.k))
    measured = best_of(args.repeat, run_assign)
    result = plan[0]
    loads = result.loads.values()
    carriers = sum(1 for j in judges if "clinician" in j.tags)
    print(
        f"{args.entries} entries x {args.judges} judges, k={args.k}, 5 tags (1 required, "
        f"{carriers} judges carry it), {args.conflicts} conflicts; best of {args.repeat}"
    )
    print(f"baseline round-robin (no rules): {baseline * 1000:8.1f} ms")
    print(f"assign():                        {measured * 1000:8.1f} ms")
    print(f"ratio assign / baseline:         {measured / baseline:8.1f} x")
    print(f"pairs: {len(result.pairs)}; loads min {min(loads)} max {max(loads)} ", end="")
    print(f"(spread {max(loads) - min(loads)}); shortfalls: {len(result.shortfalls)}")

    # An incremental re-run on its own result, with one more conflict on an assigned pair.
    extra = min(result.pairs)
    start = time.perf_counter()
    again = assign(
        entries,
        judges,
        args.k,
        conflicts=conflicts | {extra},
        existing=result.pairs,
        required_tags=required,
    )
    elapsed = time.perf_counter() - start
    print(
        f"re-run with one new conflict: {elapsed * 1000:.1f} ms, "
        f"{len(again.added)} added, {len(again.removed)} removed"
    )


if __name__ == "__main__":
    main()
