"""Every page of the frontend, opened by the person who would open it, on the demo data (the
one `make run` loads), at 360 px wide: it loads with no script error and no error shown (but
the one a broken link must show), nothing scrolls sideways, axe finds no serious or critical
violation, headings go in order under one h1, the skip link is the first stop and leads to
the main content, and every control is a touch target of at least 44 px. A new page without
a row below fails the suite."""

from __future__ import annotations

import ast
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from app.demo import DEMO_PASSWORD, seed
from tests.browser.conftest import ROOT, LiveServer, serve
from tests.conftest import TEST_DB_KIND, create_pg_database, drop_pg_database, make_settings

OPEN = "hiv-testing-youth"  # open for entries
JUDGED = "malaria-nets-schools"  # in its first judged round

# page → who opens it (None: a visitor) and its query, "{…}" filled from the demo data.
PAGES: dict[str, tuple[str | None, str]] = {
    "index.html": (None, ""),
    "challenges.html": (None, ""),
    "challenge.html": (None, f"slug={OPEN}"),
    "results.html": (None, f"slug={JUDGED}"),
    "gallery.html": (None, f"slug={JUDGED}"),
    "ballot.html": (None, f"slug={JUDGED}"),
    "login.html": (None, ""),
    "register.html": (None, ""),
    "forgot.html": (None, ""),
    "reset.html": (None, "token=not-a-real-token"),
    "verify.html": (None, "token=not-a-real-token"),
    "unsubscribe.html": (None, "token=not-a-real-token"),
    "judge-invitation.html": (None, "token=not-a-real-token"),
    "404.html": (None, ""),
    # The demo has no published awards: an entrant follows a link to one that is not theirs.
    "certificate.html": ("entrant", "award=999999"),
    "account.html": ("entrant", ""),
    "my-entries.html": ("entrant", ""),
    "entry.html": ("entrant", "id={entry}"),
    "notifications.html": ("entrant", ""),
    "judging.html": ("judge", ""),
    "assignment.html": ("judge", "id={assignment}"),
    "manage.html": ("organiser", ""),
    "challenge-edit.html": ("organiser", f"slug={JUDGED}"),
    "call-languages.html": ("organiser", f"slug={OPEN}"),
    "form-builder.html": ("organiser", f"slug={JUDGED}"),
    "entries-admin.html": ("organiser", f"slug={JUDGED}"),
    "import.html": ("organiser", f"slug={JUDGED}"),
    "panel.html": ("organiser", f"slug={JUDGED}"),
    "rounds.html": ("organiser", f"slug={JUDGED}"),
    "assignments.html": ("organiser", f"slug={JUDGED}&round={{round}}"),
    "ranking.html": ("organiser", f"slug={JUDGED}&round={{round}}"),
    "voting.html": ("organiser", f"slug={JUDGED}"),
    "results-admin.html": ("organiser", f"slug={JUDGED}"),
    "exports.html": ("organiser", f"slug={JUDGED}"),
    "dashboard.html": ("organiser", f"slug={JUDGED}"),
    "audit.html": ("organiser", f"slug={JUDGED}"),
    "mail-log.html": ("organiser", f"slug={JUDGED}"),
    "broadcasts.html": ("organiser", f"slug={JUDGED}"),
    "stats.html": ("admin", ""),
    "admin-mail.html": ("admin", ""),
    "admin-users.html": ("admin", ""),
}

# Opened with a made-up token or id, these pages show their error on arrival.
BROKEN_LINK_PAGES = {"unsubscribe.html", "verify.html", "certificate.html"}

# What a finger can hit: every control but links inside running text.
TOUCH_TARGETS = """() => {
  const small = [];
  const selector = 'button, input:not([type=hidden]), select, textarea, summary, '
    + 'nav a, .button, [role=button], [role=tab]';
  for (const node of document.querySelectorAll(selector)) {
    const box = node.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;  // not shown
    // A checkbox or radio counts with its label, which takes the tap too.
    const label = ['checkbox', 'radio'].includes(node.type) && node.labels && node.labels[0];
    const target = label ? label.getBoundingClientRect() : box;
    if (Math.round(target.height) < 44 || Math.round(target.width) < 44) {
      small.push(`${node.tagName.toLowerCase()}#${node.id}.${node.className} `
        + `"${(node.textContent || node.value || '').trim().slice(0, 30)}" `
        + `${Math.round(target.width)}x${Math.round(target.height)}`);
    }
  }
  return small;
}"""

HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .filter((h) => h.getClientRects().length > 0)
  .map((h) => Number(h.tagName[1]))"""


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, smtp_server) -> Iterator[LiveServer]:
    """A server of its own on the demo data (the shared live server holds other tests')."""
    from app.cli import run_migrations

    controller, _ = smtp_server
    workdir = tmp_path_factory.mktemp("pages")
    if TEST_DB_KIND == "postgresql":
        database_url = create_pg_database("opencall_pages")
    else:
        database_url = f"sqlite:///{workdir / 'pages.db'}"
    run_migrations(database_url)
    seed(make_settings(database_url, controller.port))
    try:
        with serve(workdir, database_url, controller.port) as server:
            yield server
    finally:
        if TEST_DB_KIND == "postgresql":
            drop_pg_database(database_url)


@contextmanager
def _client(base: str, who: str) -> Iterator[httpx.Client]:
    """The API as a demo account, logged in."""
    with httpx.Client(base_url=base, headers={"Origin": base}) as client:
        r = client.post(
            "/api/auth/login", json={"email": f"{who}@demo.example.org", "password": DEMO_PASSWORD}
        )
        assert r.status_code == 200, r.text
        yield client


@pytest.fixture(scope="module")
def ids(demo_server: LiveServer) -> dict[str, Any]:
    """The demo's ids the pages' queries name."""
    base = demo_server.url
    with _client(base, "judge") as judge:
        assignment = judge.get("/api/me/assignments").json()[0]
    with _client(base, "entrant") as entrant:
        entry = entrant.get("/api/me/entries").json()
        entries = entry["items"] if isinstance(entry, dict) else entry
    return {
        "assignment": assignment["id"],
        "round": assignment["round_id"],
        "entry": entries[0]["id"],
    }


def test_every_page_has_a_row() -> None:
    pages = sorted(p.name for p in (ROOT / "frontend").glob("*.html"))
    assert pages == sorted(PAGES), "add the new page to PAGES with who opens it"


@pytest.fixture(scope="module")
def pages_by_role(browser: Browser, demo_server: LiveServer) -> Iterator[dict[str | None, Page]]:
    """One logged-in browser context per role, at 360 px."""
    base = demo_server.url
    opened: dict[str | None, Page] = {}
    for who in {who for who, _ in PAGES.values()}:
        context = browser.new_context(viewport={"width": 360, "height": 740})
        if who is not None:
            with _client(base, who) as client:
                context.add_cookies(
                    [
                        {"name": c.name, "value": c.value or "", "url": base}
                        for c in client.cookies.jar
                    ]
                )
        opened[who] = context.new_page()
    yield opened
    for page in opened.values():
        page.context.close()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page(
    name: str, pages_by_role: dict[str | None, Page], ids: dict[str, Any], demo_server: LiveServer
) -> None:
    who, query = PAGES[name]
    page = pages_by_role[who]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    url = f"{demo_server.url}/{name}" + (f"?{query.format(**ids)}" if query else "")
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert errors == [], f"{name}: {errors}"
    alerts = [text for text in page.locator("[role=alert]:visible").all_inner_texts() if text]
    if name in BROKEN_LINK_PAGES:  # the made-up token: the error state, said plainly
        assert len(alerts) == 1, f"{name}: {alerts}"
    else:
        assert alerts == [], f"{name} loaded with an error: {alerts}"

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{name} scrolls sideways at 360 px"
    )
    headings = page.evaluate(HEADINGS)
    assert headings[:1] == [1] and headings.count(1) == 1, f"{name}: one h1 first: {headings}"
    skipped = [(a, b) for a, b in itertools.pairwise(headings) if b > a + 1]
    assert skipped == [], f"{name}: heading levels skipped: {headings}"

    page.keyboard.press("Tab")
    first = page.evaluate("[document.activeElement.className, document.activeElement.hash]")
    assert first == ["skip-link", "#main"], f"{name}: the skip link comes first: {first}"
    assert page.locator("main#main").count() == 1

    small = page.evaluate(TOUCH_TARGETS)
    assert small == [], f"{name}: touch targets under 44 px: {small}"

    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{name}: {serious}"


def _english_only() -> set[str]:
    """Catalogue text that reads differently in French: seen on a French page, it was left
    out (unless French writes it the same somewhere else: "Contact", "Actions")."""
    found, french_texts = set(), set()
    for english in (ROOT / "frontend" / "i18n" / "en").glob("*.json"):
        path = english.parent.parent / "fr" / english.name
        french = json.loads(path.read_text("utf-8")) if path.exists() else {}
        french_texts.update(text.strip() for text in french.values())
        for key, text in json.loads(english.read_text("utf-8")).items():
            if "{" not in text and len(text) > 3 and french.get(key, text) != text:
                found.add(text.strip())
    # The demo's own data (a criterion called "Reach") is what organisers wrote, not interface.
    tree = ast.parse((ROOT / "app" / "demo.py").read_text("utf-8"))
    data = {
        node.value.strip()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    return found - french_texts - data


ENGLISH_ONLY = _english_only()

# Every piece of text a person reads or hears: text nodes and the spoken attributes.
SHOWN_TEXT = """() => {
  const seen = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    // Text marked translate="no" is a name or a code, the same in every language.
    if (!parent || parent.closest('script, style, [hidden], template, [translate="no"]')) continue;
    if (parent.getClientRects().length === 0 && !parent.closest('select')) continue;
    seen.push(node.textContent.trim());
  }
  for (const node of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
    for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
      if (node.hasAttribute(name)) seen.push(node.getAttribute(name).trim());
    }
  }
  seen.push(document.title.trim());
  return seen.filter(Boolean);
}"""


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_in_french(
    name: str, pages_by_role: dict[str | None, Page], ids: dict[str, Any], demo_server: LiveServer
) -> None:
    """Each page in French shows no interface text left in English and asks for no text
    its catalogues lack."""
    who, query = PAGES[name]
    page = pages_by_role[who]
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if "No text for" in message.text else None,
    )
    query = query.format(**ids)
    page.goto(f"{demo_server.url}/{name}?{query + '&' if query else ''}lang=fr")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang").startswith("fr")
    english = sorted(text for text in page.evaluate(SHOWN_TEXT) if text in ENGLISH_ONLY)
    assert (problems, english) == ([], []), f"{name} in French"


# page, who opens it, its query, what opens the dialog, the dialog.
DIALOGS = [
    (
        "entries-admin.html",
        "organiser",
        f"slug={JUDGED}",
        "[data-testid=open-entry]",
        "#entry-dialog",
    ),
    (
        "ranking.html",
        "organiser",
        f"slug={JUDGED}&round={{round}}",
        "#ranking-rows button",
        "#scorecards-dialog",
    ),
]
FOCUS_INSIDE = "(selector) => document.querySelector(selector).contains(document.activeElement)"


@pytest.mark.parametrize(("name", "who", "query", "opener", "dialog"), DIALOGS)
def test_dialogs_keep_and_return_focus(
    name: str,
    who: str,
    query: str,
    opener: str,
    dialog: str,
    pages_by_role: dict[str | None, Page],
    ids: dict[str, Any],
    demo_server: LiveServer,
) -> None:
    """A dialog takes the focus, keeps it however far one tabs, closes with Escape, and gives
    the focus back to the button that opened it."""
    page = pages_by_role[who]
    page.goto(f"{demo_server.url}/{name}?{query.format(**ids)}")
    button = page.locator(opener).first
    button.click()
    expect(page.locator(dialog)).to_be_visible()
    page.wait_for_load_state("networkidle")
    for _ in range(15):
        assert page.evaluate(FOCUS_INSIDE, dialog), f"{name}: the focus left the dialog"
        page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUS_INSIDE, dialog)
    page.keyboard.press("Escape")
    expect(page.locator(dialog)).to_be_hidden()
    assert page.evaluate("(b) => document.activeElement === b", button.element_handle())
