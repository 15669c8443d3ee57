"""The end of a contest in a real Chromium at 360 px, each person in their own browser. Set up
through the API: a call with four eligible entries, scored by two judges in a round, then a
public vote. The organiser declares the ranking rule on results-admin.html (the rule is
frozen, so it needs a reason), reads the standings, proposes the awards, adds and removes one
by hand and publishes. An anonymous visitor finds no results before that; after it, the call
page links to them, the results page shows the winner, the downloaded table's SHA-256 equals
the one shown and the page's own check says so; the gallery lists and searches the entries.
The entrant opens the winner's certificate, which prints on one landscape page (A4 and
Letter). axe and the 360 px check on every page of the journey."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url, utcnow
from tests.factories import COMPLETE, make_challenge, start_entry

pytestmark = pytest.mark.browser

PASSWORD = "results password"
ENTRANT = "Zanele Mbeki"
TEAMMATE = "Octavia Bramblewood"
FORM = [
    {"key": "idea", "type": "long_text", "label": "Your idea", "required": True, "public": True},
    {"key": "country", "type": "country", "label": "Country", "required": True},
    {"key": "consent", "type": "checkbox", "label": "I consent to sharing", "required": True},
]
CRITERIA = [
    {"name": "Impact", "weight": 2, "preset": "1-10"},
    {"name": "Feasibility", "weight": 1, "preset": "1-10"},
]
# title → (category, summary, the score both judges give on both criteria). On 0–1 the jury
# scores are 8/9, 6/9, 4/9 and 2/9.
ENTRIES = {
    "Peer self-test kits": ("Community", "Peers hand out kits after football.", 9),
    "Evening clinic hours": ("Clinic", "Open the clinic after school.", 7),
    "Radio drama about testing": ("Community", "A weekly story on local radio.", 5),
    "School nurse chats": ("Clinic", "A nurse at school every Friday.", 3),
}
# Counted votes: two for the school nurse, one for the radio drama (shares 2/3 and 1/3).
VOTES = ["School nurse chats", "School nurse chats", "Radio drama about testing"]
# final = 0.8 · jury + 0.2 · share, to 3 decimals
FINALS = {
    "Peer self-test kits": "0.711",  # 0.8 · 8/9
    "Evening clinic hours": "0.533",  # 0.8 · 6/9
    "Radio drama about testing": "0.422",  # 0.8 · 4/9 + 0.2 · 1/3
    "School nurse chats": "0.311",  # 0.8 · 2/9 + 0.2 · 2/3
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


def _token(mailbox: Any, address: str) -> str:
    return str(mailbox.wait_for(address, r"judge-invitation\.html\?token=(\S+)")[0].group(1))


# What sticks out past the right edge of a 360 px screen (outside the scrolling tables): the
# message when the page scrolls sideways.
WIDER_THAN_SCREEN = """[...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-scroll'))
  .slice(0, 8)
  .map((e) => `${e.tagName}#${e.id}.${e.className}`)"""


def _checked(page: Page) -> None:
    """No horizontal page scroll at 360 px, and no serious or critical axe violation."""
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.innerWidth") == 360
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        page.url,
        page.evaluate(WIDER_THAN_SCREEN),
    )
    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], (page.url, serious)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Pages in separate browser contexts (one person each); script errors fail the test."""
    contexts = []
    errors: list[str] = []

    def make(**options: Any) -> Page:
        context = browser.new_context(viewport={"width": 360, "height": 740}, **options)
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


def _contest(live_server: Any, mailbox: Any, stamp: int) -> dict[str, Any]:
    """Accounts, the call, four eligible entries, a scored round and the votes (API)."""
    base = live_server.url
    slug = f"results-{stamp}"
    people = {
        "organiser": (f"org-rj{stamp}@example.org", "Olu Organiser"),
        "entrant": (f"zanele-rj{stamp}@example.net", ENTRANT),
        "ada": (f"ada-rj{stamp}@uni-ada.edu", "Ada Achebe"),
        "bo": (f"bo-rj{stamp}@uni-bo.edu", "Bo Bello"),
        **{f"voter{n}": (f"voter{n}-rj{stamp}@example.com", f"Voter {n}") for n in range(3)},
    }
    with _client(base) as anon:
        for email, name in people.values():
            _ok(
                anon.post(
                    "/api/auth/register",
                    json={"email": email, "display_name": name, "password": PASSWORD},
                ),
                201,
            )
    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        for email, _ in people.values():
            conn.execute(
                text('UPDATE "user" SET email_verified_at = created_at WHERE email = :e'),
                {"e": email},
            )
    engine.dispose()
    email = {key: address for key, (address, _) in people.items()}
    entry_id: dict[str, int] = {}
    reference: dict[str, str] = {}
    # The entries come before the voting window opens: the call stops taking entries then.
    with _client(base, email["organiser"]) as org, _client(base, email["entrant"]) as ent:
        make_challenge(org, slug, form=FORM, max_entries_per_participant=5)  # type: ignore[arg-type]
        for title, (category, summary, _) in ENTRIES.items():
            body = {
                **COMPLETE,
                "title": title,
                "summary": summary,
                "category": category,
                "team": [{"name": TEAMMATE}],
            }
            entry = start_entry(ent, slug, body)  # type: ignore[arg-type]
            submitted = _ok(ent.post(f"/api/entries/{entry['id']}/submit"))
            entry_id[title] = submitted["id"]
            reference[title] = submitted["reference"]
        _ok(
            org.post(
                f"/api/challenges/{slug}/screening",
                json={"entry_ids": list(entry_id.values()), "eligibility": "eligible"},
            )
        )
        for judge in ("ada", "bo"):
            _ok(
                org.post(
                    f"/api/challenges/{slug}/judges",
                    json={"email": email[judge], "display_name": people[judge][1]},
                ),
                201,
            )
        for judge in ("ada", "bo"):
            token = _token(mailbox, email[judge])
            with _client(base, email[judge]) as client:
                _ok(client.post("/api/judge-invitations/accept", json={"token": token}))
        now = utcnow()
        round_ = _ok(
            org.post(
                f"/api/challenges/{slug}/rounds",
                json={
                    "name": "Jury round",
                    "judges_per_entry": 2,
                    "opens_at": (now - timedelta(hours=1)).isoformat(),
                    "closes_at": (now + timedelta(days=7)).isoformat(),
                    "criteria": CRITERIA,
                },
            ),
            201,
        )
        _ok(org.post(f"/api/rounds/{round_['id']}/assign", json={"seed": 1}))
        title_of = {r: t for t, r in reference.items()}
        for judge in ("ada", "bo"):
            with _client(base, email[judge]) as client:
                mine = [
                    a
                    for a in _ok(client.get("/api/me/assignments"))
                    if a["round_id"] == round_["id"]
                ]
                assert len(mine) == 4
                for a in mine:
                    score = ENTRIES[title_of[a["entry_reference"]]][2]
                    values = [{"criterion_id": c["id"], "value": score} for c in round_["criteria"]]
                    _ok(
                        client.put(
                            f"/api/assignments/{a['id']}/scorecard",
                            json={"values": values, "feedback": ""},
                        )
                    )
                    _ok(client.post(f"/api/assignments/{a['id']}/scorecard/submit"))
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
    for n, title in enumerate(VOTES):
        with _client(base, email[f"voter{n}"]) as voter:
            vote = _ok(
                voter.post(f"/api/challenges/{slug}/votes", json={"entry_id": entry_id[title]}),
                201,
            )
            assert vote["status"] == "counted"
    return {"slug": slug, "email": email, "entry_id": entry_id, "reference": reference}


def _pages_in_pdf(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_the_results_journey(new_page, live_server, smtp_server, tmp_path: Path) -> None:
    _, mailbox = smtp_server
    base = live_server.url
    world = _contest(live_server, mailbox, int(time.time() * 1000))
    slug, email, reference = world["slug"], world["email"], world["reference"]
    ranked = list(FINALS)  # best first

    # ------------------------------------------------------------ before publication
    visitor = new_page()
    visitor.goto(f"{base}/results.html?slug={slug}")
    expect(visitor.get_by_text("No results are published for this call yet.")).to_be_visible()
    _checked(visitor)
    visitor.goto(f"{base}/gallery.html?slug={slug}")
    expect(visitor.get_by_text("The gallery opens when the results are published.")).to_be_visible()

    # ------------------------------------------------------------ 1. the ranking rule
    org = new_page()
    _log_in(org, base, email["organiser"], f"/results-admin.html?slug={slug}")
    expect(org.get_by_role("link", name="Results", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    rule = org.locator("#rule-form")
    expect(rule.get_by_text("this rule is frozen")).to_be_visible()
    expect(rule.get_by_label("Jury round")).to_have_value("")
    expect(rule.get_by_label("Jury round").locator("option:checked")).to_have_text(
        "The last scoring round (now “Jury round”)"
    )
    # Until now: the default, the jury alone.
    expect(org.locator("#standings-explainer")).to_contain_text(
        "final = 1 × jury score: only the jury counts."
    )
    rule.get_by_label("Jury weight").fill("0.8")
    rule.get_by_label("Public vote weight").fill("0.2")
    expect(org.locator("#formula-preview")).to_have_text(
        "final = 0.8 × jury score + 0.2 × vote share."
    )
    expect(rule.get_by_label("A separate people’s choice award")).to_be_checked()
    rule.get_by_role("button", name="Save the ranking rule").click()
    expect(org.locator("#rule-reason-error")).to_contain_text("The rule is frozen")
    expect(rule.get_by_label("Reason for the change")).to_be_focused()
    rule.get_by_label("Reason for the change").fill("As declared in the call text")
    rule.get_by_role("button", name="Save the ranking rule").click()
    expect(rule.locator("[data-status]")).to_have_text(
        "Saved the ranking rule. The standings below follow it."
    )

    # ------------------------------------------------------------ 2. the standings
    rows = org.locator("table.standings tbody tr")
    expect(rows.locator("th")).to_have_text([reference[t] for t in ranked])
    expect(rows.locator("td.final")).to_have_text([FINALS[t] for t in ranked])
    expect(rows.locator("td:nth-of-type(4)")).to_have_text(["0", "0", "1", "2"])  # votes
    expect(rows.locator("td:nth-of-type(5)")).to_have_text(["0", "0", "0.333", "0.667"])  # share
    expect(org.locator(".group-count")).to_have_text("4 of 4 entries shown.")
    expect(org.get_by_role("button", name="Show more entries")).to_be_hidden()
    with _client(base, email["organiser"]) as api:
        saved = _ok(api.get(f"/api/challenges/{slug}/results/rules"))
        assert {k: saved[k] for k in ("w_jury", "w_public", "frozen", "peoples_choice")} == {
            "w_jury": 0.8,
            "w_public": 0.2,
            "frozen": True,
            "peoples_choice": True,
        }
        audit = _ok(api.get(f"/api/challenges/{slug}/audit?action=results.rules"))["items"]
        assert [e["reason"] for e in audit] == ["As declared in the call text"]
    _checked(org)

    # ------------------------------------------------------------ 3. the awards
    expect(org.get_by_text("No awards yet.")).to_be_visible()
    org.get_by_role("button", name="Propose from the standings").click()
    dialog = org.locator("#propose-dialog")
    expect(dialog.get_by_role("heading", name="Replace the awards?")).to_be_focused()
    dialog.get_by_role("button", name="Replace with the proposal").click()
    expect(org.locator("#awards-status")).to_have_text("Proposed 5 awards from the standings.")
    awards = org.locator("#award-rows tr")
    expect(awards.locator("th")).to_have_text(
        ["Winner", "Second place", "Third place", "People's choice", "Finalist"]
    )
    expect(awards.locator("td:nth-of-type(2)")).to_contain_text(
        [reference[ranked[0]], reference[ranked[1]], reference[ranked[2]]]
        + [reference["School nurse chats"]] * 2
    )
    # An award by hand needs its reason; then it is taken away again, with a reason.
    add = org.locator("#award-form")
    # The entry by its reference (the page may show only some of the standings).
    add.get_by_label("Entry").fill("XX-9999")
    add.get_by_label("Award", exact=True).select_option("custom")
    add.get_by_label("Name of the award").fill("Best community idea")
    add.get_by_label("Reason", exact=True).fill("The jury's special mention")
    add.get_by_role("button", name="Add the award").click()
    expect(org.locator("#award-entry-error")).to_have_text(
        "No entry of this call has the reference XX-9999."
    )
    add.get_by_label("Reason", exact=True).fill("")
    add.get_by_label("Entry").fill(reference["Radio drama about testing"].lower())
    add.get_by_label("Award", exact=True).select_option("custom")
    add.get_by_label("Name of the award").fill("Best community idea")
    add.get_by_role("button", name="Add the award").click()
    expect(org.locator("#award-reason-error")).to_contain_text("at least 3 characters")
    add.get_by_label("Reason", exact=True).fill("The jury's special mention")
    add.get_by_role("button", name="Add the award").click()
    expect(add.locator("[data-status]")).to_have_text(
        f"Added “Best community idea” for {reference['Radio drama about testing']}."
    )
    expect(awards).to_have_count(6)
    custom = awards.filter(has_text="Best community idea")
    expect(custom).to_contain_text("Added by hand: The jury's special mention")
    custom.get_by_role("button", name="Remove").click()
    remove = org.locator("#remove-dialog")
    expect(remove.get_by_label("Reason")).to_be_focused()
    remove.get_by_label("Reason").fill("Not in the call's prize list")
    remove.get_by_role("button", name="Remove the award").click()
    expect(org.locator("#awards-status")).to_have_text(
        f"Removed “Best community idea” from {reference['Radio drama about testing']}."
    )
    expect(awards).to_have_count(5)
    _checked(org)

    # ------------------------------------------------------------ 4. publication
    expect(org.locator("#publication-state")).to_contain_text("Nothing has been published yet")
    org.get_by_role("button", name="Publish the results").click()
    status = org.locator("#publish-form [data-status]")
    expect(status).to_contain_text("Published version 1. SHA-256 of the results table: ")
    sha = org.locator("#current-sha").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", sha)
    expect(status).to_contain_text(sha)
    expect(org.locator("#publication-state")).to_contain_text("This is the first version.")
    # Another version now needs a reason.
    expect(org.get_by_label("Reason for this new version")).to_be_visible()
    expect(org.get_by_role("button", name="Unpublish the results")).to_be_visible()
    expect(
        org.locator("#award-rows tr").first.get_by_role("link", name=re.compile("^Certificate"))
    ).to_be_visible()
    _checked(org)
    with _client(base, email["organiser"]) as api:
        winner = next(
            a for a in _ok(api.get(f"/api/challenges/{slug}/awards")) if a["tier"] == "winner"
        )
    assert winner["title"] == ranked[0]

    # ------------------------------------------------------------ 5. the public results
    visitor.goto(f"{base}/challenge.html?slug={slug}")
    visitor.get_by_role("link", name="Results", exact=True).click()
    visitor.wait_for_url(re.compile(rf".*/results\.html\?slug={slug}$"))
    expect(visitor.locator("#version-line")).to_contain_text("Version 1, published")
    expect(visitor.locator("#awards .tier-heading")).to_have_text(
        ["Winner", "Second place", "Third place", "People's choice", "Finalist"]
    )
    first = visitor.get_by_test_id("award").first
    expect(first.get_by_role("heading")).to_have_text(ranked[0])
    expect(first).to_contain_text(reference[ranked[0]])
    expect(first).to_contain_text("Peers hand out kits after football.")
    expect(first).to_contain_text("Your idea")  # the public answer
    expect(first.get_by_role("link", name=re.compile("Creative Commons"))).to_be_visible()
    page_html = visitor.content()
    for private in (ENTRANT, TEAMMATE, email["entrant"], "I consent to sharing"):
        assert private not in page_html
    expect(visitor.locator("#methods p").first).to_have_text(re.compile(r"^Methods: "))
    expect(visitor.locator("#methods")).to_contain_text(
        "Final score = 0.8 × jury score (0–1) + 0.2 × vote share (0–1)."
    )
    expect(visitor.locator("#csv-sha")).to_have_text(sha)
    expect(visitor.locator("#cmd-linux")).to_have_text(f"sha256sum {slug}-results-v1.csv")
    expect(visitor.locator("#cmd-windows")).to_have_text(
        f"certutil -hashfile {slug}-results-v1.csv SHA256"
    )
    with visitor.expect_download() as download_info:
        visitor.get_by_role("link", name="Download the results table (CSV)").click()
    download = download_info.value
    saved_csv = tmp_path / download.suggested_filename
    download.save_as(saved_csv)
    assert download.suggested_filename == f"{slug}-results-v1.csv"
    assert hashlib.sha256(saved_csv.read_bytes()).hexdigest() == sha
    # The page's own check: on the saved file, then on the table fetched again.
    visitor.get_by_label("Or choose the file you saved").set_input_files(saved_csv)
    result = visitor.locator("#check-result")
    expect(result).to_contain_text(
        f"It matches: the SHA-256 of your file “{saved_csv.name}” is the published one"
    )
    expect(result).to_have_attribute("data-outcome", "match")
    altered = tmp_path / "altered.csv"
    altered.write_bytes(saved_csv.read_bytes().replace(b"0.8", b"0.9", 1) + b"x")
    visitor.get_by_label("Or choose the file you saved").set_input_files(altered)
    expect(result).to_contain_text("It does not match")
    visitor.get_by_role("button", name="Check my download").click()
    expect(result).to_contain_text("It matches: the SHA-256 of the table downloaded now")
    _checked(visitor)

    # ------------------------------------------------------------ 6. the gallery
    visitor.get_by_role("link", name="Gallery of entries").click()
    visitor.wait_for_url(re.compile(rf".*/gallery\.html\?slug={slug}$"))
    entries = visitor.get_by_test_id("gallery-entry")
    expect(entries).to_have_count(4)
    expect(visitor.locator("#list-status")).to_have_text("4 entries in the gallery.")
    expect(entries.first).to_contain_text("Licence: ")
    _checked(visitor)
    visitor.get_by_label("Search", exact=True).fill("radio")
    visitor.get_by_role("button", name="Search", exact=True).click()
    expect(entries).to_have_count(1)
    expect(entries.get_by_role("heading")).to_have_text("Radio drama about testing")
    visitor.get_by_label("Category").select_option("Clinic")
    visitor.get_by_label("Search", exact=True).fill("")
    visitor.get_by_role("button", name="Search", exact=True).click()
    expect(entries).to_have_count(2)
    assert sorted(entries.get_by_role("heading").all_inner_texts()) == [
        "Evening clinic hours",
        "School nurse chats",
    ]

    # ------------------------------------------------------------ 7. the certificate
    visitor.goto(f"{base}/certificate.html?award={winner['id']}")
    visitor.wait_for_url(re.compile(r".*/login\.html\?next=.*certificate.*"))
    entrant = new_page()
    _log_in(entrant, base, email["entrant"], f"/certificate.html?award={winner['id']}")
    certificate = entrant.locator("article.certificate")
    expect(certificate.get_by_role("heading", name="Certificate of recognition")).to_be_visible()
    expect(entrant.locator("#cert-names")).to_have_text(f"{ENTRANT} and {TEAMMATE}")
    expect(entrant.locator("#cert-award")).to_have_text("Winner")
    expect(entrant.locator("#cert-entry-title")).to_have_text(f"“{ranked[0]}”")
    expect(entrant.locator("#cert-reference")).to_have_text(f"({reference[ranked[0]]})")
    expect(entrant.locator("#cert-call")).to_have_text("HIV testing for young people")
    expect(entrant.locator("#cert-date")).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-\d{2}-\d{2}$")
    )
    expect(entrant.get_by_role("button", name="Print the certificate")).to_be_visible()
    _checked(entrant)
    # Printed: no site chrome, and one landscape page on A4 and on Letter alike.
    entrant.emulate_media(media="print")
    expect(entrant.locator(".site-header")).to_be_hidden()
    expect(entrant.get_by_role("button", name="Print the certificate")).to_be_hidden()
    expect(certificate).to_be_visible()
    for paper in ("A4", "Letter"):
        pdf = entrant.pdf(format=paper, landscape=True, print_background=True)
        assert _pages_in_pdf(pdf) == 1, paper
    # The entrant finds the certificate from their own entry's page too.
    entrant.emulate_media(media="screen")
    entrant.goto(f"{base}/entry.html?id={winner['entry_id']}")
    entrant.get_by_role("link", name="Print the certificate").click()
    entrant.wait_for_url(re.compile(rf".*/certificate\.html\?award={winner['id']}$"))

    # ------------------------------------------------------------ 8. taken down, then version 2
    org.goto(f"{base}/results-admin.html?slug={slug}")
    takedown = org.locator("#unpublish-form")
    takedown.get_by_role("button", name="Unpublish the results").click()
    expect(org.locator("#unpublish-reason-error")).to_contain_text("at least 3 characters")
    takedown.get_by_label("Reason").fill("Checking a score with the jury")
    takedown.get_by_role("button", name="Unpublish the results").click()
    expect(org.get_by_role("heading", name="Publication")).to_be_focused()
    state = org.locator("#publication-state")
    expect(state).to_contain_text("Not published")
    expect(state).to_contain_text("Version 1, published")
    expect(state).to_contain_text(": Checking a score with the jury")
    expect(takedown).to_be_hidden()
    visitor.goto(f"{base}/results.html?slug={slug}")
    expect(visitor.get_by_text("No results are published for this call yet.")).to_be_visible()
    # Publishing again needs the reason.
    republish = org.locator("#publish-form")
    republish.get_by_role("button", name="Publish the results").click()
    expect(org.locator("#publish-reason-error")).to_contain_text("published before")
    republish.get_by_label("Reason for this new version").fill("The score was right")
    republish.get_by_role("button", name="Publish the results").click()
    expect(republish.locator("[data-status]")).to_contain_text("Published version 2.")
    expect(state).to_contain_text("No change to the results table.")
    _checked(org)
    visitor.goto(f"{base}/results.html?slug={slug}")
    expect(visitor.locator("#version-line")).to_contain_text("Version 2, published")
    expect(visitor.locator("#current-version")).to_contain_text(
        "What changed since version 1: No change to the results table."
    )
    earlier = visitor.locator("#history li")
    expect(earlier).to_have_count(1)
    expect(earlier).to_contain_text("Version 1")
    expect(earlier).to_contain_text(sha)
    _checked(visitor)
