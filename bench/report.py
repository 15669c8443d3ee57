"""Run every benchmark in bench/ and write bench/REPORT.md: the machine, the date and the
commit, then each script's own figures (each a ratio against a baseline it measured in the
same run), with how long it took and whether it finished.

    python bench/report.py                   # every benchmark, as `make bench` runs them
    python bench/report.py --only login.py   # some of them (the report says which ran)
    python bench/report.py --only fuzz.py --append   # add a run to the existing report

A script that fails is reported as failed, with the end of what it printed; the others still
run, and the command exits non-zero.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql://postgres@127.0.0.1:5432"
# judging.py builds its round in an empty database: this one is dropped and made anew first.
JUDGING_PG = os.environ.get("OPENCALL_BENCH_JUDGING_PG_URL", f"{PG}/benchj")
FRESH_DATABASES = {"judging.py": JUDGING_PG}
# What each benchmark measures against, in the order `make bench` has always run them.
BENCHMARKS: list[tuple[str, list[str], str]] = [
    ("login.py", [], "a login against one bare argon2id verification"),
    ("entries.py", [], "paging 10,000 entries; an upload against a disk copy"),
    (
        "judging.py",
        ["--database-url", JUDGING_PG],
        "assignment against round-robin; the ranking against a bare GROUP BY, on both databases",
    ),
    (
        "votes.py",
        ["--database-url", os.environ.get("OPENCALL_BENCH_PG_URL", f"{PG}/benchv")],
        "votes per second against a bare insert",
    ),
    (
        "exports.py",
        ["--database-url", os.environ.get("OPENCALL_BENCH_PG_URL", f"{PG}/benchv")],
        "the entries export against PostgreSQL's COPY",
    ),
    (
        "outbox.py",
        ["--database-url", os.environ.get("OPENCALL_BENCH_OUTBOX_PG_URL", f"{PG}/bencho")],
        "mail delivery against plain smtplib",
    ),
    ("rush.py", [], "a deadline rush of submits to one call against the same saves"),
    ("pages.py", [], "each page's weight and slow-3G first paint against a bare page"),
    ("sizing.py", [], "a contest at full size: sizes, and reads against bare queries"),
    ("fuzz.py", [], "the long fuzzing run (make fuzz): requests sent, answers, failures"),
]


@dataclass
class Ran:
    script: str
    measures: str
    seconds: float
    returncode: int
    output: str


def _command_output(*command: str) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine() -> list[str]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory_kib = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    postgres = _command_output(
        "psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version", "test"
    )
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {memory_kib / 1024 / 1024:.1f} GiB",
        f"- System: {platform.platform()}; Python {platform.python_version()}; "
        f"PostgreSQL {postgres or 'not reached'}",
        f"- Load average when the run started: {load}",
    ]


def run(script: str, arguments: list[str], measures: str) -> Ran:
    print(f"=== {script} ({measures})", flush=True)
    started = time.monotonic()
    if script in FRESH_DATABASES:
        from sizing import reset_database  # bench/sizing.py: drop, then create it empty

        reset_database(FRESH_DATABASES[script])
    process = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # Progress lines go to stderr: the report keeps them only when the script failed.
    print((process.stdout + process.stderr).strip(), flush=True)
    output = process.stdout if process.returncode == 0 else process.stdout + process.stderr
    output = output.strip()
    return Ran(script, measures, time.monotonic() - started, process.returncode, output)


def report(runs: list[Ran], commit: str, started: datetime, head: list[str]) -> str:
    lines = [
        "# Benchmark report",
        "",
        "Written by `make bench` (`bench/report.py`). Every figure is measured against a",
        "baseline taken in the same run, on the same machine, because these machines are noisy:",
        "read the ratios, not the seconds.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Commit: `{commit}`",
        *head,
        "",
        "| benchmark | measures | took | result |",
        "|---|---|---|---|",
    ]
    lines += [_row(ran) for ran in runs]
    for ran in runs:
        lines += _section(ran)
    return "\n".join(lines) + "\n"


def _row(ran: Ran) -> str:
    result = "finished" if ran.returncode == 0 else f"**failed** (exit {ran.returncode})"
    return f"| `bench/{ran.script}` | {ran.measures} | {ran.seconds:.0f} s | {result} |"


def _section(ran: Ran, note: str | None = None) -> list[str]:
    shown = ran.output if ran.returncode == 0 else "\n".join(ran.output.splitlines()[-40:])
    about = ran.measures[0].upper() + ran.measures[1:]
    return ["", f"## `bench/{ran.script}`", "", f"{about}.", *(["", note] if note else []), "",
            "```", shown, "```"]  # fmt: skip


def appended(existing: str, runs: list[Ran], commit: str, started: datetime) -> str:
    """The existing report with these runs added: a row each at the end of its table and a
    section each at its end, saying when, on which commit and at what load they ran."""
    lines = existing.rstrip("\n").splitlines()
    last_row = max(i for i, line in enumerate(lines) if line.startswith("| `bench/"))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    note = (
        f"Run on its own after the rest (`report.py --append`): {started:%Y-%m-%d %H:%M} UTC, "
        f"commit `{commit}`, load average {load}."
    )
    lines[last_row + 1 : last_row + 1] = [_row(ran) for ran in runs]
    for ran in runs:
        lines += _section(ran, note)
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only these scripts (e.g. login.py)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "REPORT.md"))
    parser.add_argument(
        "--append",
        action="store_true",
        help="add these runs to the existing report (with their own date and commit)",
    )
    args = parser.parse_args()
    chosen = [b for b in BENCHMARKS if not args.only or b[0] in args.only]
    unknown = sorted(set(args.only or []) - {b[0] for b in BENCHMARKS})
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)}")
    started = datetime.now(UTC)
    commit = _command_output("git", "-C", str(ROOT), "describe", "--always", "--dirty")
    head = machine()
    runs = [run(script, arguments, measures) for script, arguments, measures in chosen]
    out = Path(args.out)
    text = (
        appended(out.read_text(encoding="utf-8"), runs, commit, started)
        if args.append
        else report(runs, commit, started, head)
    )
    out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    if any(ran.returncode != 0 for ran in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
