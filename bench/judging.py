"""Issue 5's two judging figures in one run, each against a baseline taken in the same run:

1. assigning 10,000 entries x 200 judges, k = 3, with perspective tags and 500 conflicts,
   against a round-robin that ignores every rule (aim: under 1 s);
2. a round's full ranking with normalisation over 150,000 scorecards (`round_scores`)
   against a bare SQL GROUP BY mean over the same score rows (aim: at most 3x), on SQLite
   and, with --database-url, on PostgreSQL too.

Usage: .venv/bin/python bench/judging.py [--repeat 5]
       [--database-url postgresql://postgres@127.0.0.1:5432/an_empty_database]
"""

from __future__ import annotations

import argparse

import judging_assignment
import judging_scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    args = parser.parse_args()
    print("== Assignment ==")
    judging_assignment.main(["--repeat", str(args.repeat)])
    print("\n== Ranking with normalisation, SQLite ==")
    judging_scores.main(["--repeat", str(args.repeat)])
    if args.database_url:
        print("\n== Ranking with normalisation, PostgreSQL ==")
        judging_scores.main(["--repeat", str(args.repeat), "--database-url", args.database_url])


if __name__ == "__main__":
    main()
