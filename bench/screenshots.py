"""Screenshots of OpenCall's main pages on the demo data, at a phone's width (360 px) and a
desktop's (1280 px), for the README: `make screenshots` writes them to docs/screenshots/.

It starts OpenCall on a fresh SQLite file with the demo data (as bench/pages.py does, whose
server, demo ids and logins it reuses), opens each page as the demo account that would, waits
until the page has loaded (no request in flight), and saves what the screen shows.

Usage: .venv/bin/python bench/screenshots.py [--out docs/screenshots] [--pages …]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from pages import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SECRET_KEY,
    demo_ids,
    login_states,
    page_plan,
    start_opencall,
)
from playwright.sync_api import sync_playwright

from app.cli import run_migrations
from app.core.config import Settings
from app.demo import seed

# The pages a reader of the README would want to see, one per journey.
MAIN_PAGES = [
    "challenges.html",  # a visitor browses the calls
    "challenge.html",  # reads one
    "entry.html",  # an entrant drafts an entry
    "assignment.html",  # a judge scores one
    "entries-admin.html",  # an organiser screens the entries
    "ranking.html",  # and ranks a round
    "dashboard.html",  # the evaluation dashboard
    "manage.html",  # the calls an organiser runs
]
SIZES = {"phone": (360, 740), "desktop": (1280, 800)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--pages", nargs="*", default=MAIN_PAGES, help="which pages")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        workdir = Path(tmp)
        database_url = f"sqlite:///{workdir / 'demo.db'}"
        run_migrations(database_url)
        seed(Settings(_env_file=None, database_url=database_url, secret_key=SECRET_KEY))
        plan = page_plan(demo_ids(database_url))
        url, process = start_opencall(workdir, database_url)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                states = login_states(browser, url, {a for a, _ in plan.values() if a})
                for name in args.pages:
                    account, query = plan.get(name, (None, ""))
                    for size, (width, height) in SIZES.items():
                        context = browser.new_context(
                            viewport={"width": width, "height": height},
                            storage_state=states[account] if account else None,
                            locale="en-GB",
                            timezone_id="Africa/Nairobi",
                        )
                        page = context.new_page()
                        page.goto(f"{url}/{name}{query}")
                        page.wait_for_load_state("networkidle")
                        target = args.out / f"{name.removesuffix('.html')}-{size}.png"
                        page.screenshot(path=target)
                        context.close()
                        print(f"wrote {target}", file=sys.stderr)
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
