"""The judging journey in a real Chromium at 360 px, each person in their own browser: the
organiser declares a blind round on rounds.html and invites three judges on panel.html; each
judge accepts through the mailed link; the organiser runs the assignment; two judges score
their entries with the keyboard and never see who the entrant is; the third declares a
conflict, and the entry goes to another judge and into the conflict register; the organiser
reads the ranking, previews and applies the advancement, and the entrant is told by mail.
axe checks the judge's and the organiser's pages on the way."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url, utcnow
from tests.factories import COMPLETE, make_challenge, start_entry

pytestmark = pytest.mark.browser

PASSWORD = "journey password"
ZONE = "Africa/Nairobi"  # the browsers' time zone: the round's window is typed in it
SUBMITTER = "Zephyrine Quackenbush"
TEAMMATE = "Octavia Bramblewood"
JUDGES = ["Ada Achebe", "Bo Bello", "Chi Chukwu"]
# Every judge gives an entry the same (Impact on 1–10, Feasibility on 0–5), so the ranking
# is known whoever judges what; entered in this order, so the best is not the first reference.
SCORES = {
    "Clinic text reminders": (2, 1),
    "Alpha youth club testing days": (9, 5),
    "Bravo market stall kits": (6, 3),
}


@contextmanager
def _client(base: str, email: str | None = None) -> Iterator[httpx.Client]:
    """The API, logged in as `email` when one is given."""
    with httpx.Client(base_url=base, headers={"Origin": base}) as client:
        if email:
            r = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            assert r.status_code == 200, r.text
        yield client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _mail(mailbox: Any, address: str, pattern: str, count: int = 1) -> list[str]:
    """The first group of `pattern` in each of `count` mails to `address` (subject + body)."""
    return [match.group(1) for match in mailbox.wait_for(address, pattern, count)]


def _checked(page: Page) -> None:
    """No horizontal page scroll at 360 px, and no serious or critical axe violation."""
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], (page.url, serious)


def _wall(instant: datetime) -> str:
    """An instant as a datetime-local value in the browsers' time zone."""
    return instant.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Pages in separate browser contexts (one person each); script errors fail the test."""
    contexts = []
    errors: list[str] = []

    def make() -> Page:
        context = browser.new_context(viewport={"width": 360, "height": 740}, timezone_id=ZONE)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and not msg.text.startswith("Failed to load resource")
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"errors in the pages: {errors}"


def _log_in(page: Page, base: str, email: str, then: str) -> None:
    page.goto(f"{base}/login.html?next={then}")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf".*{re.escape(then)}$"))


def _assert_blind(page: Page, entrant: str) -> None:
    html = page.content()
    for identifying in (SUBMITTER, TEAMMATE, entrant):
        assert identifying not in html, (page.url, identifying)


def _score_with_keyboard(page: Page, scores: tuple[int, int], note: str) -> None:
    """Both rows of scores, the comment and the feedback with the keyboard; Ctrl+Enter submits."""
    impact, feasibility = scores
    impact_row = page.get_by_role("group", name="Impact", exact=True)
    impact_row.get_by_role("radio", name="1", exact=True).focus()
    page.keyboard.press("Space")
    for _ in range(impact - 1):
        page.keyboard.press("ArrowRight")
    expect(impact_row.get_by_role("radio", name=str(impact), exact=True)).to_be_checked()
    page.keyboard.press("Tab")  # to the next row of scores
    feasibility_row = page.get_by_role("group", name="Feasibility", exact=True)
    expect(feasibility_row.get_by_role("radio", name="0", exact=True)).to_be_focused()
    page.keyboard.press("Space")
    for _ in range(feasibility):
        page.keyboard.press("ArrowRight")
    expect(feasibility_row.get_by_role("radio", name=str(feasibility), exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Comment for the organisers")).to_be_focused()
    page.keyboard.type(note)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Feedback for the entrant (optional)")).to_be_focused()
    page.keyboard.type("Say who runs it.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#submit-done")).to_contain_text("Scorecard submitted")


def _judge_scores_all(
    page: Page, base: str, references: list[str], titles: dict[str, str], entrant: str, axe: bool
) -> None:
    """On judging.html, every entry listed opened and scored on assignment.html, blind."""
    page.goto(f"{base}/judging.html")
    total = len(references)
    cards = "scorecard" if total == 1 else "scorecards"
    expect(page.get_by_text(f"0 of {total} {cards} submitted")).to_be_visible()
    _assert_blind(page, entrant)
    if axe:
        _checked(page)
    for done, reference in enumerate(sorted(references)):
        page.get_by_role("link", name=f"Entry {reference}", exact=True).click()
        page.wait_for_url(re.compile(r".*/assignment\.html\?id=\d+$"))
        expect(page.locator("#entry-name")).to_have_text(f"Entry {reference}")
        expect(
            page.get_by_text("This round is blind: the entrants’ names are hidden from you")
        ).to_be_visible()
        expect(page.get_by_text("Peers hand out kits.")).to_be_visible()
        _assert_blind(page, entrant)
        if axe and done == 0:
            _checked(page)
        _score_with_keyboard(page, SCORES[titles[reference]], f"Seen {reference}.")
        _assert_blind(page, entrant)
        page.locator("#submit-done").get_by_role("link", name="Back to my assignments").click()
        page.wait_for_url(re.compile(r".*/judging\.html$"))
        expect(page.get_by_text(f"{done + 1} of {total} {cards} submitted")).to_be_visible()


def test_the_judging_journey(new_page, live_server, smtp_server) -> None:
    _, mailbox = smtp_server
    base = live_server.url
    stamp = int(time.time() * 1000)
    slug = f"journey-{stamp}"
    organiser = f"org-jj{stamp}@example.org"
    entrant = f"zephyrine-jj{stamp}@example.net"
    judge_email = {name: f"{name.split()[0].lower()}-jj{stamp}@example.com" for name in JUDGES}
    ada, bo, chi = JUDGES

    # ------------------------------------------------------------ accounts, call, entries (API)
    with _client(base) as anon:
        for email, name in (
            (organiser, "Olu Organiser"),
            (entrant, SUBMITTER),
            *((judge_email[n], n) for n in JUDGES),
        ):
            _ok(
                anon.post(
                    "/api/auth/register",
                    json={"email": email, "display_name": name, "password": PASSWORD},
                ),
                201,
            )
    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        for email in (organiser, entrant, *judge_email.values()):
            conn.execute(
                text('UPDATE "user" SET email_verified_at = created_at WHERE email = :e'),
                {"e": email},
            )
    engine.dispose()
    titles: dict[str, str] = {}  # reference → title
    entry_of: dict[str, int] = {}  # title → entry id
    with _client(base, organiser) as org, _client(base, entrant) as ent:
        make_challenge(org, slug, max_entries_per_participant=5)  # type: ignore[arg-type]
        for title in SCORES:
            body = {**COMPLETE, "title": title, "team": [{"name": TEAMMATE}]}
            entry = start_entry(ent, slug, body)  # type: ignore[arg-type]
            submitted = _ok(ent.post(f"/api/entries/{entry['id']}/submit"))
            titles[submitted["reference"]] = title
            entry_of[title] = submitted["id"]
        _ok(
            org.post(
                f"/api/challenges/{slug}/screening",
                json={"entry_ids": list(entry_of.values()), "eligibility": "eligible"},
            )
        )
    reference_of = {title: ref for ref, title in titles.items()}
    best, middle, last = sorted(SCORES, key=lambda t: SCORES[t], reverse=True)

    # ------------------------------------------------------------ 1. the round, on rounds.html
    org_page = new_page()
    _log_in(org_page, base, organiser, f"/rounds.html?slug={slug}")
    expect(org_page.get_by_text("No rounds yet.")).to_be_visible()
    now = utcnow()
    add = org_page.locator("#add-form")
    add.get_by_label("Name of the round").fill("First round")
    add.get_by_label("Opens (optional)").fill(_wall(now - timedelta(minutes=10)))
    add.get_by_label("Closes (optional)").fill(_wall(now + timedelta(days=3)))
    add.get_by_label("Judges per entry").fill("2")
    add.get_by_label("Blind: judges see nothing that identifies the entrants").check()
    add.get_by_label("The top N entries overall").check()
    add.get_by_label("N: how many entries advance").fill("2")
    rows = add.get_by_test_id("criterion-row")
    rows.nth(0).get_by_label("Criterion name").fill("Impact")
    rows.nth(0).get_by_label("Weight").fill("2")
    rows.nth(0).get_by_label("Scale").select_option(label="1 to 10")
    add.get_by_role("button", name="Add a criterion").click()
    rows.nth(1).get_by_label("Criterion name").fill("Feasibility")
    rows.nth(1).get_by_label("Scale").select_option(
        label="Another scale (set lowest, highest and step)"
    )
    rows.nth(1).get_by_label("Lowest score").fill("0")
    rows.nth(1).get_by_label("Highest score").fill("5")
    rows.nth(1).get_by_label("Step").fill("1")
    # Tie-breaks: Impact first, then more scorecards, then the organisers' recorded choice.
    add.get_by_role("button", name="Add a tie-break").click()
    add.locator(".tie").nth(2).get_by_role("button", name="Move up").click()
    add.locator(".tie").nth(1).get_by_role("button", name="Move up").click()
    expect(add.get_by_label("Tie-break 1")).to_have_value("row:0")
    add.get_by_role("button", name="Add the round").click()
    expect(org_page.locator("#rounds-status")).to_have_text(
        "Added the round “First round” as round 1."
    )
    expect(org_page.locator("#rounds-alert")).to_be_empty()
    card = org_page.get_by_test_id("round").first
    expect(card.locator(".badge").first).to_have_text("Open")
    expect(card.locator(".tie-order li")).to_have_text(
        ["Higher score on “Impact”", "More scorecards", "The organisers’ recorded choice"]
    )
    _checked(org_page)
    with _client(base, organiser) as org:
        [round_] = _ok(org.get(f"/api/challenges/{slug}/rounds"))
    round_id = round_["id"]
    impact_id = round_["criteria"][0]["id"]
    assert {
        k: round_[k] for k in ("blind", "judges_per_entry", "advancement", "state", "tie_breaks")
    } == {
        "blind": True,
        "judges_per_entry": 2,
        "advancement": {"kind": "top_n", "n": 2},
        "state": "open",
        "tie_breaks": [
            {"kind": "criterion", "criterion_id": impact_id},
            {"kind": "scorecards"},
            {"kind": "organiser"},
        ],
    }
    assert [
        (c["name"], c["weight"], c["scale_min"], c["scale_max"], c["scale_step"])
        for c in round_["criteria"]
    ] == [("Impact", 2.0, 1.0, 10.0, 1.0), ("Feasibility", 1.0, 0.0, 5.0, 1.0)]

    # ------------------------------------------------------------ 2. the panel; judges accept
    org_page.goto(f"{base}/panel.html?slug={slug}")
    expect(org_page.get_by_text("No judges yet.")).to_be_visible()
    for name in JUDGES:
        invite = org_page.locator("#invite-form")
        invite.get_by_label("E-mail").fill(judge_email[name])
        invite.get_by_label("Name", exact=True).fill(name)
        invite.get_by_role("button", name="Send the invitation").click()
        expect(org_page.locator("#invite-form [role=status]")).to_contain_text(f"Invited {name}")
    expect(org_page.get_by_test_id("judge")).to_have_count(3)

    judge_pages: dict[str, Page] = {}
    for name in JUDGES:
        [link] = _mail(
            mailbox, judge_email[name], r"(http://\S+/judge-invitation\.html\?token=\S+)"
        )
        page = judge_pages[name] = new_page()
        page.goto(link)
        # The page's own link (it returns here after logging in), not the menu's.
        page.locator("#invite-login").get_by_role("link", name="Log in").click()
        page.get_by_label("E-mail").fill(judge_email[name])
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r".*/judge-invitation\.html\?token=.*"))
        page.get_by_role("button", name="Accept the invitation").click()
        expect(page.get_by_text("you are on the judging panel")).to_be_visible()
    org_page.reload()
    expect(org_page.locator("#panel-summary")).to_contain_text(
        "3 judges: 3 active, 0 invited, 0 withdrawn."
    )

    # ------------------------------------------------------------ 3. the assignment
    org_page.goto(f"{base}/rounds.html?slug={slug}")
    org_page.get_by_test_id("round").first.get_by_role(
        "link", name="Assignments and progress"
    ).click()
    org_page.wait_for_url(re.compile(rf".*/assignments\.html\?slug={slug}&round={round_id}$"))
    expect(org_page.locator("#round-state")).to_contain_text("Open for scoring")
    org_page.get_by_label("Seed").fill("5")
    org_page.get_by_role("button", name="Run the assignment").click()
    report = org_page.locator("#assign-report")
    expect(report.get_by_role("heading", name="What the assignment did")).to_be_focused()
    expect(report.locator(".load-list li")).to_have_text([f"{n}: 2 entries" for n in JUDGES])
    expect(report.get_by_text("Every entry has its 2 judges.")).to_be_visible()
    expect(org_page.locator("#load-rows tr th")).to_have_text(JUDGES)
    expect(org_page.locator("#load-rows tr td:nth-of-type(1)")).to_have_text(["2", "2", "2"])
    expect(org_page.locator("#progress-counts")).to_contain_text("6scorecards due")
    _checked(org_page)

    with _client(base, organiser) as org:
        pairs = _ok(org.get(f"/api/rounds/{round_id}/assignments"))
    refs_of = {
        name: sorted(a["entry_reference"] for a in pairs if a["judge_name"] == name)
        for name in JUDGES
    }
    assert sorted(len(refs) for refs in refs_of.values()) == [2, 2, 2]

    # ------------------------------------------------------------ 4. two judges score, blind
    _judge_scores_all(judge_pages[ada], base, refs_of[ada], titles, entrant, axe=True)
    _judge_scores_all(judge_pages[bo], base, refs_of[bo], titles, entrant, axe=False)

    # ------------------------------------------------------------ 5. a declared conflict
    chi_page = judge_pages[chi]
    conflicted, remaining = refs_of[chi]
    chi_page.goto(f"{base}/judging.html")
    expect(chi_page.get_by_text("0 of 2 scorecards submitted")).to_be_visible()
    chi_page.get_by_role("link", name=f"Entry {conflicted}", exact=True).click()
    chi_page.wait_for_url(re.compile(r".*/assignment\.html\?id=\d+$"))
    _assert_blind(chi_page, entrant)
    chi_page.get_by_text("Declare a conflict of interest").click()
    chi_page.get_by_label("What is the conflict?").fill("I mentor this team at the youth club")
    chi_page.get_by_label("I understand this entry will be taken from me.").check()
    chi_page.get_by_role("button", name="Declare the conflict").click()
    expect(chi_page.get_by_role("heading", name="Conflict declared")).to_be_focused()
    expect(chi_page.get_by_text("given to another judge")).to_be_visible()

    # The judge on neither side of the entry took it over.
    (taker,) = [n for n in (ada, bo) if conflicted not in refs_of[n]]
    with _client(base, organiser) as org:
        pairs = _ok(org.get(f"/api/rounds/{round_id}/assignments"))
    assert sorted(a["judge_name"] for a in pairs if a["entry_reference"] == conflicted) == [ada, bo]
    org_page.reload()
    moved = org_page.locator(
        f"#assignments-table tbody[data-entry-id='{entry_of[titles[conflicted]]}'] tr"
    )
    expect(moved).to_have_count(2)
    expect(moved.filter(has_text=taker)).to_contain_text("Not started")
    expect(moved.filter(has_text=chi)).to_have_count(0)
    # Submitted pairs never move, so the loads stay uneven: Chi is down one, the taker up one.
    loads = {ada: "2", bo: "2", chi: "1", taker: "3"}
    expect(org_page.locator("#load-rows tr td:nth-of-type(1)")).to_have_text(
        [loads[n] for n in JUDGES]
    )
    org_page.goto(f"{base}/panel.html?slug={slug}")
    register = org_page.locator("#conflict-rows tr")
    expect(register).to_have_count(1)
    expect(register.locator("th")).to_have_text(chi)
    expect(register.locator("td")).to_have_text(
        [
            conflicted,
            "Declared by the judge",
            "I mentor this team at the youth club",
            re.compile(r"\S"),
        ]
    )
    _checked(org_page)

    # The rest: Chi's other entry in the browser, the entry taken over through the API.
    chi_page.get_by_role("link", name="Back to my assignments").click()
    chi_page.wait_for_url(re.compile(r".*/judging\.html$"))
    expect(chi_page.get_by_role("link", name=f"Entry {conflicted}")).to_have_count(0)
    _judge_scores_all(chi_page, base, [remaining], titles, entrant, axe=False)
    with _client(base, judge_email[taker]) as judge:
        [mine] = [
            a for a in _ok(judge.get("/api/me/assignments")) if a["entry_reference"] == conflicted
        ]
        assert mine["scorecard_status"] is None
        impact, feasibility = SCORES[titles[conflicted]]
        feasibility_id = round_["criteria"][1]["id"]
        _ok(
            judge.put(
                f"/api/assignments/{mine['id']}/scorecard",
                json={
                    "values": [
                        {"criterion_id": impact_id, "value": impact},
                        {"criterion_id": feasibility_id, "value": feasibility},
                    ],
                    "comment": "",
                    "feedback": "",
                },
            )
        )
        _ok(judge.post(f"/api/assignments/{mine['id']}/scorecard/submit"))

    # ------------------------------------------------------------ 6. ranking and advancement
    org_page.goto(f"{base}/assignments.html?slug={slug}&round={round_id}")
    expect(org_page.locator("#progress-counts")).to_contain_text("6submitted")
    org_page.get_by_role("navigation", name="This round's pages").get_by_role(
        "link", name="Ranking and advancement"
    ).click()
    org_page.wait_for_url(re.compile(r".*/ranking\.html\?slug=.*&round=\d+$"))
    ranked = org_page.locator("#ranking-rows tr")
    expect(ranked.locator("th")).to_have_text([reference_of[t] for t in (best, middle, last)])
    expect(ranked.locator("td:nth-of-type(4)")).to_have_text(["2", "2", "2"])
    # (2 × 8/9 + 1 × 5/5) / 3 on 0–100: the criteria use different scales.
    expect(ranked.first.locator("td.score")).to_have_text(re.compile(r"^92[.,]59$"))
    expect(org_page.locator("#rule-text")).to_have_text(
        "The 2 entries with the highest scores advance."
    )
    org_page.get_by_role("button", name="Preview", exact=True).click()
    expect(org_page.get_by_role("heading", name="Who advances")).to_be_focused()
    expect(org_page.locator("#preview-summary")).to_have_text("2 entries of 3 advance.")
    expect(org_page.locator("#unresolved legend")).to_have_count(0)
    _checked(org_page)
    expect(org_page.get_by_label("Tell the entrants")).to_be_checked()
    org_page.get_by_role("button", name="Apply", exact=True).click()
    confirm = org_page.locator("#confirm-dialog")
    expect(confirm).to_contain_text("2 entries advance; 1 does not.")
    expect(confirm).to_contain_text("Entrants are told by e-mail.")
    confirm.get_by_role("button", name="Apply the advancement").click()
    expect(org_page.locator("#applied")).to_contain_text(
        f"2 entries advanced: {reference_of[best]}, {reference_of[middle]}."
    )
    _checked(org_page)

    with _client(base, organiser) as org:
        ranking = _ok(org.get(f"/api/rounds/{round_id}/ranking"))
    assert [(e["reference"], e["position"], e["n"], e["advanced"]) for e in ranking["entries"]] == [
        (reference_of[best], 1, 2, True),
        (reference_of[middle], 2, 2, True),
        (reference_of[last], 3, 2, False),
    ]
    subjects = _mail(
        mailbox,
        entrant,
        r"(Your entry \S+ goes through to the next stage|"
        r"The outcome of First round for your entry \S+)",
        count=3,
    )
    assert sorted(subjects) == sorted(
        [
            f"Your entry {reference_of[best]} goes through to the next stage",
            f"Your entry {reference_of[middle]} goes through to the next stage",
            f"The outcome of First round for your entry {reference_of[last]}",
        ]
    )
