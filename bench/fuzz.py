"""The long fuzzing run for the benchmark report: `make fuzz` (tests/test_fuzz.py, schemathesis
against OpenCall's own OpenAPI document, anonymous and as five roles) with a random seed, on
PostgreSQL by default. Prints the seed, the requests sent, the answers per status, the
failures (operation and role pairs; there must be none) and the time, and exits non-zero on
any failure. Not a timing: its figure is the count of requests that found nothing.

Usage: .venv/bin/python bench/fuzz.py [--examples 15] [--database postgresql|sqlite]
       [--seed N]   (replays a run; random when omitted)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=15, help="per operation and role")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seed", default="random")
    args = parser.parse_args()
    env = {
        **os.environ,
        "OPENCALL_TEST_DATABASE": args.database,
        "OPENCALL_FUZZ_EXAMPLES": str(args.examples),
        "OPENCALL_FUZZ_SEED": str(args.seed),
    }
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fuzz.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = ran.stdout.splitlines()
    figures = [line for line in lines if line.startswith("fuzz")]
    outcome = [line for line in lines if " passed" in line or " failed" in line]
    print("\n".join(figures + outcome[-1:]))
    if ran.returncode != 0:
        print(ran.stdout[-6000:] + ran.stderr[-2000:], file=sys.stderr)
    sys.exit(ran.returncode)


if __name__ == "__main__":
    main()
