"""Every page's weight and its first-contentful-paint time on Slow 3G, against a bare page.

What is measured. The script starts OpenCall as `opencall serve` would (uvicorn,
`app.main:create_app`, one worker) on a free port with its own SQLite file in a temp dir,
migrated and loaded with the demo data exactly as `opencall seed-demo` does (app.demo.seed).
Debian's Chromium, driven by Playwright, then opens every page in frontend/*.html at a
phone's size (360 × 740), each in a fresh browser context (an empty HTTP cache), logged in
as the demo account that can see it (cookies from one API login per account) and with real
slugs and ids from the demo data. For each page it prints: the requests made until the
network was idle (HTML, CSS, modules, favicon, the API's JSON); kB transferred, the sum of
CDP Network.loadingFinished.encodedDataLength (headers and compressed bodies), with the
API's share, against a budget of 100 kB = 100,000 bytes; the first-contentful-paint
(PerformanceObserver 'paint' entries) in seconds and as a ratio to the bare page's; and,
"warm", the same page opened again in the same context (a returning visitor): requests
that reached the network, kB, FCP.

The throttle is DevTools' "Slow 3G" preset, set through CDP Network.emulateNetworkConditions
on each page before it navigates: latency 400 ms × 5 (DevTools' latency factor) = 2000 ms,
download and upload 500 kbit/s × 0.8 = 400 kbit/s = 50,000 bytes/s. No CPU throttle.

The baseline is a bare HTML page of a few hundred bytes (one heading, one paragraph, no
CSS, no script) served by a tiny http.server the script runs from its temp dir, opened the
same way under the same throttle: five cold visits (three before the pages, two after),
median. Nothing is asserted; the figures are for reading.

Usage: .venv/bin/python bench/pages.py [--pages login.html challenge.html ...] [--no-warm]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Browser, CDPSession, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlmodel import Session, create_engine, select

from app.cli import run_migrations
from app.core.config import Settings
from app.demo import DEMO_PASSWORD, DEMO_SLUG, JUDGING_SLUG, seed
from app.models import Assignment, Challenge, Entry, Judge, Round, User

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHROMIUM_ARGS.append("--disable-component-update")
THROUGHPUT = 500 * 1000 / 8 * 0.8  # bytes per second: DevTools' 500 kbit/s × 0.8
SLOW_3G = {"offline": False, "latency": 400 * 5, "downloadThroughput": THROUGHPUT}
SLOW_3G["uploadThroughput"] = THROUGHPUT
BUDGET = 100_000
SECRET_KEY = "bench-pages-secret-key-long-enough-0123456789abcdef"
BARE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Bare page</title>
</head><body><h1>A bare page</h1><p>A few hundred bytes of HTML and nothing else: the
least any page can cost on this network.</p></body></html>
"""
FCP_JS = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const fcp = list.getEntriesByName('first-contentful-paint')[0];
    if (fcp) resolve(fcp.startTime);
  }).observe({ type: 'paint', buffered: true });
  setTimeout(() => resolve(null), 60000);
})"""
ADMIN, ORGANISER, JUDGE, ENTRANT = (
    f"{who}@demo.example.org" for who in ("admin", "organiser", "judge", "entrant")
)


def page_plan(ids: dict[str, Any]) -> dict[str, tuple[str | None, str]]:
    """page → (the demo account it is opened as, its query string)."""
    open_call, judged = f"?slug={DEMO_SLUG}", f"?slug={JUDGING_SLUG}"
    in_round = f"{judged}&round={ids['round']}"
    return {
        "account.html": (ENTRANT, ""),
        "admin-mail.html": (ADMIN, ""),
        "admin-users.html": (ADMIN, ""),
        "assignment.html": (JUDGE, f"?id={ids['assignment']}"),
        "assignments.html": (ORGANISER, in_round),
        "audit.html": (ORGANISER, judged),
        "ballot.html": (ENTRANT, open_call),
        "broadcasts.html": (ORGANISER, open_call),
        "call-languages.html": (ORGANISER, open_call),
        "challenge-edit.html": (ORGANISER, open_call),
        "challenge.html": (None, open_call),
        "dashboard.html": (ORGANISER, judged),
        "entries-admin.html": (ORGANISER, judged),
        "entry.html": (ENTRANT, f"?id={ids['entry']}"),
        "exports.html": (ORGANISER, judged),
        "form-builder.html": (ORGANISER, open_call),
        "gallery.html": (None, open_call),
        "import.html": (ORGANISER, open_call),
        "judging.html": (JUDGE, ""),
        "mail-log.html": (ORGANISER, judged),
        "manage.html": (ORGANISER, ""),
        "my-entries.html": (ENTRANT, ""),
        "notifications.html": (ENTRANT, ""),
        "panel.html": (ORGANISER, judged),
        "ranking.html": (ORGANISER, in_round),
        "results-admin.html": (ORGANISER, judged),
        "results.html": (None, judged),
        "rounds.html": (ORGANISER, judged),
        "stats.html": (ADMIN, ""),
        "voting.html": (ORGANISER, open_call),
    }  # any other page (home, login, register, 404, token links…) is opened as a guest


def demo_ids(database_url: str) -> dict[str, Any]:
    """A round of the judged call, one of Joy Judge's assignments, one of Esi's entries."""
    engine = create_engine(database_url)
    with Session(engine) as s:
        judged = s.exec(select(Challenge.id).where(Challenge.slug == JUDGING_SLUG)).one()
        round_id = s.exec(select(Round.id).where(Round.challenge_id == judged)).first()
        judge_user = s.exec(select(User.id).where(User.email == JUDGE)).one()
        assignment = s.exec(
            select(Assignment.id).join(Judge).where(Judge.user_id == judge_user)
        ).first()
        entrant = s.exec(select(User.id).where(User.email == ENTRANT)).one()
        entry = s.exec(select(Entry.id).where(Entry.owner_id == entrant)).first()
    engine.dispose()
    return {"round": round_id, "assignment": assignment, "entry": entry}


def start_opencall(workdir: Path, database_url: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "OPENCALL_ENVIRONMENT": "development",
        "OPENCALL_DATABASE_URL": database_url,
        "OPENCALL_BASE_URL": url,
        "OPENCALL_SECRET_KEY": SECRET_KEY,
        "OPENCALL_MAIL_BACKEND": "console",
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(command, env=env, cwd=workdir, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return url, process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"OpenCall did not start:\n{(workdir / 'server.log').read_text()}")


def start_bare_server(directory: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/bare.html", server


def _free_port() -> int:
    with http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler) as s:
        return int(s.server_address[1])


@dataclass
class Traffic:
    """What one visit sent over the (emulated) network."""

    urls: dict[str, str] = field(default_factory=dict)  # requestId → URL
    cached: set[str] = field(default_factory=set)
    bytes: int = 0
    api_bytes: int = 0

    @property
    def requests(self) -> int:
        return len(self.urls)

    @property
    def from_network(self) -> int:
        return len(self.urls.keys() - self.cached)


class Meter:
    """Adds a page's CDP Network events to the Traffic of the visit under way."""

    def __init__(self, cdp: CDPSession) -> None:
        self.traffic = Traffic()
        cdp.on("Network.requestWillBeSent", self.sent)
        cdp.on("Network.requestServedFromCache", lambda e: self.traffic.cached.add(e["requestId"]))
        cdp.on("Network.responseReceived", self.received)
        cdp.on("Network.loadingFinished", self.finished)

    def sent(self, event: dict[str, Any]) -> None:
        if not event["request"]["url"].startswith("data:"):
            self.traffic.urls[event["requestId"]] = event["request"]["url"]

    def received(self, event: dict[str, Any]) -> None:
        if event["response"].get("fromDiskCache") or event["response"].get("fromPrefetchCache"):
            self.traffic.cached.add(event["requestId"])

    def finished(self, event: dict[str, Any]) -> None:
        url = self.traffic.urls.get(event["requestId"])
        if url is not None:
            self.traffic.bytes += int(event["encodedDataLength"])
            if urlsplit(url).path.startswith("/api/"):
                self.traffic.api_bytes += int(event["encodedDataLength"])


@dataclass
class Visit:
    traffic: Traffic
    fcp: float | None  # seconds
    landed: str  # the path the page ended on (a redirect to login shows here)


def visit(page: Page, meter: Meter, url: str) -> Visit:
    traffic = meter.traffic = Traffic()
    page.goto(url, wait_until="load", timeout=300_000)
    # A page that keeps polling never idles: what arrived until then is what it cost.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=120_000)
    fcp = page.evaluate(FCP_JS)
    return Visit(traffic, None if fcp is None else fcp / 1000, urlsplit(page.url).path)


def open_page(
    browser: Browser, url: str, state: dict[str, Any] | None, warm: bool
) -> tuple[Visit, Visit | None]:
    context = browser.new_context(viewport={"width": 360, "height": 740}, storage_state=state)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        meter = Meter(cdp)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        cold = visit(page, meter, url)
        return cold, visit(page, meter, url) if warm else None
    finally:
        context.close()


def login_states(browser: Browser, url: str, emails: set[str]) -> dict[str, dict[str, Any]]:
    """Each account's cookies, from one API login (no throttle: not what is measured)."""
    states = {}
    for email in sorted(emails):
        context = browser.new_context()
        answer = context.request.post(
            f"{url}/api/auth/login", data={"email": email, "password": DEMO_PASSWORD}
        )
        if not answer.ok:
            raise SystemExit(f"login as {email} failed: {answer.status} {answer.text()}")
        states[email] = dict(context.storage_state())
        context.close()
    return states


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        epilog="The throttle is DevTools' Slow 3G: 2000 ms latency, 400 kbit/s each way.",
    )
    parser.add_argument("--pages", nargs="*", help="only these pages (default: every page)")
    parser.add_argument("--no-warm", action="store_true", help="skip the repeat visits")
    args = parser.parse_args()

    pages = sorted(p.name for p in (ROOT / "frontend").glob("*.html"))
    if args.pages:
        pages = [p for p in pages if p in set(args.pages)]
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        workdir = Path(tmp)
        database_url = f"sqlite:///{workdir / 'bench.db'}"
        run_migrations(database_url)
        seed(Settings(_env_file=None, database_url=database_url, secret_key=SECRET_KEY))
        plan = page_plan(demo_ids(database_url))
        (workdir / "bare").mkdir()
        (workdir / "bare" / "bare.html").write_text(BARE_PAGE)
        bare_url, bare_server = start_bare_server(workdir / "bare")
        url, process = start_opencall(workdir, database_url)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                states = login_states(browser, url, {a for a, _ in plan.values() if a})
                bare = [open_page(browser, bare_url, None, False)[0].fcp for _ in range(3)]
                rows = []
                for name in pages:
                    account, query = plan.get(name, (None, ""))
                    target = f"{url}/{'' if name == 'index.html' else name}{query}"
                    state = states[account] if account else None
                    rows.append(
                        (name, account, *open_page(browser, target, state, not args.no_warm))
                    )
                    print(f"  measured {name}", file=sys.stderr, flush=True)
                bare += [open_page(browser, bare_url, None, False)[0].fcp for _ in range(2)]
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
            bare_server.shutdown()
    report(rows, [b for b in bare if b is not None], len(BARE_PAGE.encode()))


def report(rows: list[Any], bare: list[float], bare_size: int) -> None:
    base = statistics.median(bare)
    print(
        f"Slow 3G (latency {SLOW_3G['latency']} ms, {SLOW_3G['downloadThroughput'] * 8 / 1000:.0f}"
        f" kbit/s down and up); budget {BUDGET / 1000:.0f} kB per page, cold cache.\n"
        f"Bare page ({bare_size} bytes of HTML): FCP median {base:.2f} s over {len(bare)} "
        f"visits (min {min(bare):.2f}, max {max(bare):.2f}).\n"
    )
    head = f"{'page':<22}{'as':<11}{'req':>4}{'kB':>7}{'API kB':>7}  budget"
    head += f"{'FCP s':>7}{'×bare':>7}  {'warm req':>8}{'kB':>6}{'FCP s':>7}  note"
    print(head)
    print("-" * len(head))
    ratios = []
    for name, account, cold, warm in rows:
        t = cold.traffic
        ratio = None if cold.fcp is None else cold.fcp / base
        if ratio is not None:
            ratios.append(ratio)
        line = f"{name:<22}{(account or 'guest').split('@')[0]:<11}{t.requests:>4}"
        line += f"{t.bytes / 1000:>7.1f}{t.api_bytes / 1000:>7.1f}  "
        line += f"{'ok' if t.bytes <= BUDGET else 'OVER':<6}{seconds(cold.fcp):>7}"
        line += f"{'—' if ratio is None else f'{ratio:.2f}':>7}  "
        if warm is not None:
            w = warm.traffic
            line += f"{w.from_network:>8}{w.bytes / 1000:>6.1f}{seconds(warm.fcp):>7}  "
        else:
            line += " " * 23
        expected = "/" if name == "index.html" else f"/{name}"
        print(line + ("" if cold.landed == expected else f"ended on {cold.landed}"))
    over = sum(1 for _, _, cold, _ in rows if cold.traffic.bytes > BUDGET)
    if ratios:
        print(
            f"\n{len(rows)} pages, {over} over budget; FCP ratio to the bare page: median "
            f"{statistics.median(ratios):.2f}, max {max(ratios):.2f}."
        )


if __name__ == "__main__":
    main()
