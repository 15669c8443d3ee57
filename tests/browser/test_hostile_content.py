"""What entrants (and organisers) write is shown, never run. Set up through the API: a call
whose title, description, labels and choices are hostile, with every field type the form
builder offers; an entry whose every text holds script and markup payloads (title, summary,
answers, team names, the uploaded file's name, the entrant's display name); screened
eligible with a hostile note, scored in a blind round and then an open one with hostile
feedback, advanced, on the ballot and voted for, awarded and published. Then Chromium at
360 px visits every page that shows the entry as each role who sees it: nothing runs (no
`window.__pwned`, no dialog, no CSP violation, no script error), no element or attribute
from the payloads reaches the DOM, the text is shown literally, and the long unbroken
string does not make the page scroll sideways."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Error, Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url, utcnow
from app.models import FieldType

pytestmark = pytest.mark.browser

PASSWORD = "hostile password"

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = '"><svg onload=window.__pwned=1>'
JS_URL = "javascript:window.__pwned=1"
MD_LINK = "[x](javascript:window.__pwned=1)"
MD_IMG = '![x](x" onerror="window.__pwned=1)'
ALERT = "<img src=x onerror=alert(document.domain)>"
RLO = "\u202e"
LONG = "Unbroken" + "w" * 160  # wider than a 360 px screen in any font
PAYLOADS = f"{SCRIPT}{IMG}{SVG} {MD_LINK} {MD_IMG} {ALERT}"


def hostile(name: str, long: bool = False) -> str:
    """A payload-laden text that starts with a plain name to find it by."""
    return f"{name} {PAYLOADS} {RLO}gpj.exe" + (f" {LONG}" if long else "")


CALL_TITLE = f"Call {SCRIPT}{IMG}"[:200]
TITLE = f"Hostile {SCRIPT}{IMG}{SVG} {RLO}gpj.exe {LONG}"
SUMMARY = hostile("Summary", long=True)
ENTRANT = f"Entrant {IMG}{ALERT}"[:120]
JUDGE = f"Judge {SVG}"
TEAM = [f"Teammate one {SCRIPT}{SVG} {RLO}x", f"Teammate two {IMG}{MD_LINK}"]
CATEGORY = f"Category {IMG}"
CHOICES = [f"Choice {SCRIPT}", f"Option {SVG}"]
FILE_NAME = f'"><img src=x onerror=window.__pwned=1>{RLO}gpj.txt'
# As stored and shown: the server drops the right-to-left override from file names.
SHOWN_FILE_NAME = FILE_NAME.replace(RLO, "")
# The server refuses a javascript: address in a URL answer; this one is accepted and must
# stay an inert link target or text.
URL_ANSWER = 'https://example.org/"><svg/onload=window.__pwned=1>'
FEEDBACK = hostile("Feedback", long=True)
COMMENT = hostile("Comment")
NOTE = hostile("Screening note")
DESCRIPTION = "\n\n".join(
    [
        "# About this call",
        f"Read {MD_LINK} and {MD_IMG}.",
        f"Raw {SCRIPT} {IMG} {SVG}",
        '<a href="javascript:window.__pwned=1">a link</a>',
        f"[plain link](https://example.org) {LONG}",
    ]
)

FORM: list[dict[str, Any]] = [
    {"key": "short", "type": "short_text", "config": {"max_length": 5000}},
    {"key": "long", "type": "long_text"},
    {"key": "number", "type": "number"},
    {"key": "choice", "type": "choice", "config": {"choices": CHOICES}},
    {"key": "multi", "type": "multi_choice", "config": {"choices": CHOICES}},
    {"key": "url", "type": "url"},
    {"key": "email", "type": "email"},
    {"key": "date", "type": "date"},
    {"key": "country", "type": "country"},
    {"key": "file", "type": "file", "config": {"accept": ["text"], "max_files": 1}},
    {"key": "checkbox", "type": "checkbox"},
    {"key": "money", "type": "money", "config": {"currency": "USD"}},
]
ANSWERS: dict[str, Any] = {
    "short": hostile("Short answer", long=True),
    "long": hostile("Long answer\n\nsecond paragraph", long=True),
    "number": 42,
    "choice": CHOICES[0],
    "multi": CHOICES,
    "url": URL_ANSWER,
    "email": "hostile@example.org",
    "date": "2024-02-29",
    "country": "KE",
    "checkbox": True,
    "money": {"amount": 1200, "currency": "USD"},
}

# Every element or attribute a payload would create if it were parsed as HTML.
PAYLOAD_ELEMENTS = """() => {
  const found = [];
  for (const node of document.querySelectorAll('*')) {
    for (const attr of node.attributes) {
      const value = attr.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
      if (attr.name.startsWith('on')) found.push(`${node.tagName}[${attr.name}]`);
      if (/^(href|src|action|formaction|xlink:href)$/.test(attr.name) && value.startsWith('javascript:'))
        found.push(`${node.tagName}[${attr.name}=${attr.value}]`);
    }
    if (node.tagName === 'SCRIPT' && (node.text.trim() || !/^\\/[\\w/.-]+\\.js$/.test(node.getAttribute('src') || '')))
      found.push(`SCRIPT ${node.outerHTML.slice(0, 80)}`);
    if (node.tagName === 'IMG' && node.getAttribute('src') === 'x') found.push('IMG[src=x]');
    if (['IFRAME', 'OBJECT', 'EMBED', 'BASE'].includes(node.tagName)) found.push(node.tagName);
  }
  return found;
}"""

# Before any script of the page: a trap on window.__pwned, and every CSP violation recorded.
WATCH = """
(() => {
  let value;
  const attempts = [];
  Object.defineProperty(window, '__pwned', {
    configurable: false,
    get() { return value; },
    set(v) { attempts.push(String(v)); value = v; },
  });
  Object.defineProperty(window, '__pwnedAttempts', { value: attempts });
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
  });
})();
"""

WIDER_THAN_SCREEN = """[...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-scroll'))
  .slice(0, 6)
  .map((e) => `${e.tagName}#${e.id}.${e.className}`)"""


@contextmanager
def _client(base: str, email: str | None = None) -> Iterator[httpx.Client]:
    """The API, logged in as `email` when one is given."""
    with httpx.Client(base_url=base, headers={"Origin": base}, timeout=30) as client:
        if email:
            r = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            assert r.status_code == 200, r.text
        yield client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _token(mailbox: Any, address: str) -> str:
    return str(mailbox.wait_for(address, r"judge-invitation\.html\?token=(\S+)")[0].group(1))


@dataclass
class World:
    slug: str
    email: dict[str, str]
    entry_id: int
    reference: str
    rounds: list[int]
    assignments: list[int]
    award_id: int


def _score(client: httpx.Client, assignment: dict[str, Any], round_: dict[str, Any]) -> None:
    values = [{"criterion_id": c["id"], "value": 8} for c in round_["criteria"]]
    body = {"values": values, "comment": COMMENT, "feedback": FEEDBACK}
    _ok(client.put(f"/api/assignments/{assignment['id']}/scorecard", json=body))
    _ok(client.post(f"/api/assignments/{assignment['id']}/scorecard/submit"))


def _contest(live_server: Any, mailbox: Any) -> World:
    """The hostile call and entry, taken through every stage (API only)."""
    base = live_server.url
    stamp = int(time.time() * 1000)
    slug = f"hostile-{stamp}"
    people = {
        "organiser": (f"org-hc{stamp}@example.org", "Olu Organiser"),
        "screener": (f"screener-hc{stamp}@example.org", "Sam Screener"),
        "entrant": (f"entrant-hc{stamp}@example.net", ENTRANT),
        "judge": (f"judge-hc{stamp}@example.com", JUDGE),
        "voter": (f"voter-hc{stamp}@example.com", "Vic Voter"),
    }
    email = {key: address for key, (address, _) in people.items()}
    with _client(base) as anon:
        for address, name in people.values():
            body = {"email": address, "display_name": name, "password": PASSWORD}
            _ok(anon.post("/api/auth/register", json=body), 201)
    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        for address in email.values():
            conn.execute(
                text('UPDATE "user" SET email_verified_at = created_at WHERE email = :e'),
                {"e": address},
            )
    engine.dispose()

    now = utcnow()
    with _client(base, email["organiser"]) as org, _client(base, email["entrant"]) as ent:
        call = {
            "title": CALL_TITLE,
            "slug": slug,
            "prompt": hostile("Prompt")[:500],
            "description_md": DESCRIPTION,
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
            "timezone": "Africa/Nairobi",
            "categories": [CATEGORY],
            "max_team_size": 3,
            "reference_prefix": "XSS",
            "prizes_text": hostile("Prizes"),
        }
        _ok(org.post("/api/challenges", json=call), 201)
        # Every type the form builder offers, each label and help text hostile too.
        assert sorted(f["type"] for f in FORM) == sorted(t.value for t in FieldType)
        for question in FORM:
            body = {
                **question,
                "label": hostile(f"Label {question['key']}")[:300],
                "help_text": hostile("Help"),
                "public": True,
            }
            _ok(org.post(f"/api/challenges/{slug}/form/fields", json=body), 201)
        _ok(org.post(f"/api/challenges/{slug}/publish"))
        _ok(
            org.post(
                f"/api/challenges/{slug}/roles",
                json={"email": email["screener"], "role": "screener"},
            ),
            201,
        )

        entry = _ok(ent.post(f"/api/challenges/{slug}/entries", json={"title": ""}), 201)
        entry_id = entry["id"]
        # A draft keeps anything, but a javascript: address is never a valid web address.
        draft = _ok(ent.patch(f"/api/entries/{entry_id}", json={"answers": {"url": JS_URL}}))
        assert "answers.url" in [p["field"] for p in draft["problems"]]
        body = {
            "title": TITLE,
            "summary": SUMMARY,
            "category": CATEGORY,
            "answers": ANSWERS,
            "team": [{"name": TEAM[0]}, {"name": TEAM[1], "email": "mate@example.org"}],
            "licence_accepted": True,
        }
        _ok(ent.patch(f"/api/entries/{entry_id}", json=body))
        _ok(
            ent.post(
                f"/api/entries/{entry_id}/attachments",
                params={"field": "file", "filename": FILE_NAME},
                content=b"Plain text, nothing more.\n",
            ),
            201,
        )
        submitted = _ok(ent.post(f"/api/entries/{entry_id}/submit"))
        reference = submitted["reference"]

        with _client(base, email["screener"]) as screener:
            _ok(
                screener.post(
                    f"/api/entries/{entry_id}/eligibility",
                    json={"eligibility": "eligible", "note": NOTE},
                )
            )

        _ok(
            org.post(
                f"/api/challenges/{slug}/judges",
                json={"email": email["judge"], "display_name": JUDGE},
            ),
            201,
        )
        with _client(base, email["judge"]) as judge:
            _ok(
                judge.post(
                    "/api/judge-invitations/accept",
                    json={"token": _token(mailbox, email["judge"])},
                )
            )

            rounds: list[dict[str, Any]] = []
            assignments: list[int] = []
            for position, blind in ((1, True), (2, False)):
                round_ = _ok(
                    org.post(
                        f"/api/challenges/{slug}/rounds",
                        json={
                            "name": hostile(f"Round {position}")[:200],
                            "blind": blind,
                            "judges_per_entry": 1,
                            "opens_at": (now - timedelta(hours=1)).isoformat(),
                            "closes_at": (now + timedelta(days=7)).isoformat(),
                            "advancement": {"kind": "top_n", "n": 1},
                            "criteria": [
                                {
                                    "name": hostile("Criterion")[:200],
                                    "description": hostile("Criterion help"),
                                    "preset": "1-10",
                                }
                            ],
                        },
                    ),
                    201,
                )
                rounds.append(round_)
                _ok(org.post(f"/api/rounds/{round_['id']}/assign", json={"seed": 1}))
                [mine] = [
                    a
                    for a in _ok(judge.get("/api/me/assignments"))
                    if a["round_id"] == round_["id"]
                ]
                assignments.append(mine["id"])
                _score(judge, mine, round_)
                _ok(
                    org.post(
                        f"/api/rounds/{round_['id']}/advancement/apply",
                        json={"release_feedback": True},
                    )
                )

        _ok(org.patch(f"/api/challenges/{slug}/voting", json={"enabled": True}))
        _ok(
            org.patch(
                f"/api/challenges/{slug}",
                json={
                    "voting_opens_at": (now - timedelta(minutes=30)).isoformat(),
                    "voting_closes_at": (now + timedelta(days=2)).isoformat(),
                },
            )
        )
        with _client(base, email["voter"]) as voter:
            ballot = _ok(voter.get(f"/api/challenges/{slug}/ballot"))
            assert entry_id in [e["id"] for e in ballot["items"]]
            vote = _ok(
                voter.post(f"/api/challenges/{slug}/votes", json={"entry_id": entry_id}), 201
            )
            assert vote["status"] == "counted"

        _ok(org.post(f"/api/challenges/{slug}/awards/propose"))
        _ok(org.post(f"/api/challenges/{slug}/results/publish", json={}))
        [winner] = [
            a for a in _ok(org.get(f"/api/challenges/{slug}/awards")) if a["tier"] == "winner"
        ]
    return World(
        slug=slug,
        email=email,
        entry_id=entry_id,
        reference=reference,
        rounds=[r["id"] for r in rounds],
        assignments=assignments,
        award_id=winner["id"],
    )


@dataclass
class Visitor:
    """One person's browser, every page watched for anything that runs."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def new_visitor(browser: Browser) -> Iterator[Callable[[], Visitor]]:
    contexts = []

    def make() -> Visitor:
        context = browser.new_context(viewport={"width": 360, "height": 740})
        contexts.append(context)
        context.add_init_script(WATCH)
        page = context.new_page()
        visitor = Visitor(page)

        def on_dialog(dialog: Any) -> None:
            visitor.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: visitor.errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                visitor.errors.append(msg.text)
                if msg.type == "error" and not msg.text.startswith("Failed to load resource")
                else None
            ),
        )
        return visitor

    yield make
    for context in contexts:
        context.close()


def _log_in(visitor: Visitor, base: str, email: str) -> None:
    with _client(base, email) as client:
        cookies = [
            {"name": c.name, "value": c.value or "", "url": base} for c in client.cookies.jar
        ]
    visitor.page.context.add_cookies(cookies)  # type: ignore[arg-type]


def _visit(
    visitor: Visitor,
    url: str,
    shown: list[str],
    problems: list[str],
    then: Callable[[Page], None] | None = None,
) -> None:
    """Open `url`, wait until every text in `shown` is on the page (literally), then check
    that nothing ran, nothing from the payloads is in the DOM and nothing is too wide."""
    page = visitor.page
    where = url.split("/", 3)[-1]
    before = (len(visitor.dialogs), len(visitor.errors))
    page.goto(url)
    try:
        if then:
            then(page)
        for literal in shown:
            expect(page.locator("body")).to_contain_text(literal, timeout=20_000)
        page.wait_for_load_state("networkidle")
    except (AssertionError, Error) as exc:
        problems.append(f"{where}: the text is not shown literally: {str(exc)[:300]}")
    state = page.evaluate(
        """() => ({
          pwned: window.__pwned === undefined ? null : String(window.__pwned),
          attempts: window.__pwnedAttempts,
          csp: window.__cspViolations,
          wide: document.documentElement.scrollWidth > innerWidth,
        })"""
    )
    if state["pwned"] is not None or state["attempts"]:
        problems.append(f"{where}: a payload ran: window.__pwned = {state['attempts']}")
    if state["csp"]:
        problems.append(f"{where}: CSP violations: {state['csp']}")
    if found := page.evaluate(PAYLOAD_ELEMENTS):
        problems.append(f"{where}: payload markup in the DOM: {found}")
    if state["wide"]:
        problems.append(f"{where}: scrolls sideways at 360 px: {page.evaluate(WIDER_THAN_SCREEN)}")
    if len(visitor.dialogs) > before[0]:
        problems.append(f"{where}: a dialog opened: {visitor.dialogs[before[0] :]}")
    if len(visitor.errors) > before[1]:
        problems.append(f"{where}: errors in the page: {visitor.errors[before[1] :]}")


def _feedback_kept(page: Page) -> None:
    """The judge's own feedback and comment come back as the fields' values, unchanged."""
    expect(page.get_by_label("Feedback for the entrant (optional)")).to_have_value(FEEDBACK)
    expect(page.get_by_label("Comment for the organisers")).to_have_value(COMMENT)


def _open_entry_dialog(page: Page) -> None:
    page.get_by_test_id("open-entry").first.click()
    expect(page.locator("#entry-dialog")).to_be_visible()


def test_hostile_content_is_shown_never_run(new_visitor, live_server, smtp_server) -> None:
    _, mailbox = smtp_server
    base = live_server.url
    world = _contest(live_server, mailbox)
    slug, entry_id = world.slug, world.entry_id
    problems: list[str] = []

    # The texts the pages show of the entry in full, and what the public sees of it.
    entry_texts = [TITLE, SUMMARY, ANSWERS["short"], ANSWERS["long"], URL_ANSWER, CHOICES[0]]
    private = [*TEAM, ENTRANT, SHOWN_FILE_NAME]
    public = [TITLE, SUMMARY, ANSWERS["short"]]

    organiser = new_visitor()
    _log_in(organiser, base, world.email["organiser"])
    for path, shown, then in [
        (f"entries-admin.html?slug={slug}", [TITLE, ENTRANT], None),
        (
            f"entries-admin.html?slug={slug}",
            [*entry_texts, *private, NOTE],
            _open_entry_dialog,
        ),
        (f"entry.html?id={entry_id}", [*entry_texts, *private], None),
        (f"ranking.html?slug={slug}&round={world.rounds[0]}", [world.reference], None),
        (f"ranking.html?slug={slug}&round={world.rounds[1]}", [TITLE], None),
        (f"assignments.html?slug={slug}&round={world.rounds[1]}", [world.reference, JUDGE], None),
        (f"rounds.html?slug={slug}", [hostile(f"Round {n}")[:200] for n in (1, 2)], None),
        (f"panel.html?slug={slug}", [JUDGE], None),
        (f"voting.html?slug={slug}", [TITLE], None),
        (f"results-admin.html?slug={slug}", [TITLE], None),
        (f"exports.html?slug={slug}", [CALL_TITLE], None),
        (f"dashboard.html?slug={slug}", [CALL_TITLE], None),
        (f"audit.html?slug={slug}", [CALL_TITLE], None),
        (f"challenge-edit.html?slug={slug}", ["About this call"], None),
        (f"form-builder.html?slug={slug}", [hostile("Label short")], None),
        (f"certificate.html?award={world.award_id}", [TITLE, ENTRANT, *TEAM], None),
    ]:
        _visit(organiser, f"{base}/{path}", shown, problems, then)

    screener = new_visitor()
    _log_in(screener, base, world.email["screener"])
    _visit(
        screener,
        f"{base}/entries-admin.html?slug={slug}",
        [*entry_texts, *private, NOTE],
        problems,
        _open_entry_dialog,
    )

    judge = new_visitor()
    _log_in(judge, base, world.email["judge"])
    rounds_shown = [hostile(f"Round {n}")[:200] for n in (1, 2)]
    _visit(judge, f"{base}/judging.html", [world.reference, CALL_TITLE, *rounds_shown], problems)
    for assignment, blind in zip(world.assignments, (True, False), strict=True):
        _visit(
            judge,
            f"{base}/assignment.html?id={assignment}",
            [*entry_texts, *([] if blind else private)],
            problems,
            _feedback_kept,
        )
        if blind:  # the names are not merely escaped but withheld
            seen = judge.page.locator("body").inner_text()
            leaked = [name for name in ("Teammate one", "Entrant <img", "gpj.txt") if name in seen]
            if leaked:
                problems.append(f"assignment.html?id={assignment}: blind, yet shows {leaked}")

    entrant = new_visitor()
    _log_in(entrant, base, world.email["entrant"])
    for path, shown in [
        ("my-entries.html", [TITLE]),
        (f"entry.html?id={entry_id}", [*entry_texts, *TEAM, SHOWN_FILE_NAME, FEEDBACK]),
        ("notifications.html", [world.reference]),
        (f"certificate.html?award={world.award_id}", [TITLE, ENTRANT]),
    ]:
        _visit(entrant, f"{base}/{path}", shown, problems)

    voter = new_visitor()
    _log_in(voter, base, world.email["voter"])
    _visit(voter, f"{base}/ballot.html?slug={slug}", public, problems)

    anonymous = new_visitor()
    for path, shown in [
        ("challenges.html", [CALL_TITLE]),
        (f"challenge.html?slug={slug}", [CALL_TITLE, "About this call", "plain link"]),
        (f"gallery.html?slug={slug}", public),
        (f"ballot.html?slug={slug}", public),
        (f"results.html?slug={slug}", public),
    ]:
        _visit(anonymous, f"{base}/{path}", shown, problems)

    assert problems == [], "\n".join(problems)
