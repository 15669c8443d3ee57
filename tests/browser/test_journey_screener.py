"""The screener's journey, from an empty database, in a real Chromium at 360 px. An organiser
(API) makes a call and adds the screener by e-mail; two entrants (API) submit four entries.
The screener logs in from the header's link, finds the call under "Manage calls", opens its
entries, reads one in its dialog and marks it eligible, marks another ineligible with a reason
from the call's list and a note, marks the rest eligible with the bulk action, filters by
screening state and sees the counts follow each decision; the organisers' pages tell a
screener they are for organisers only. axe and the 360 px check on every page."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import (
    PASSWORD,
    _checked,
    _client,
    _ok,
    new_page,  # noqa: F401 (a fixture)
)
from tests.factories import COMPLETE, make_challenge, start_entry

pytestmark = pytest.mark.browser

NAMES = {
    "org": "Olu Organiser",
    "screener": "Sade Screener",
    "ama": "Ama Mensah",
    "ben": "Ben Hale",
}
# title → (entrant, category, idea), submitted in this order.
ENTRIES = {
    "Peer self-test kits": ("ama", "Community", "Peers hand out kits after football."),
    "Evening clinic hours": ("ben", "Clinic", "Open the clinic after school."),
    "Radio drama about testing": ("ama", "Community", "A weekly story on local radio."),
    "School nurse chats": ("ben", "Clinic", "A nurse at school every Friday."),
}
REASON = "Outside the eligible countries"  # one of the call's declared reasons (factories)
NOTE = "The team lives in Accra; the call is for Nigeria. Checked with the entrant by phone."


def _counts(page: Page, **expected: int) -> None:
    """The counts at the top of the entries page (by their class: count-pending, …)."""
    for key, number in expected.items():
        expect(page.locator(f"#counts .count-{key} .count-number")).to_have_text(str(number))


def _titles(page: Page) -> list[str]:
    return sorted(page.locator("#entry-rows [data-testid=open-entry]").all_inner_texts())


def test_the_screener_journey(new_page, fresh_server, smtp_server) -> None:  # noqa: F811
    base = fresh_server.url
    stamp = secrets.token_hex(3)
    slug = f"screening-{stamp}"
    email = _people(fresh_server, NAMES, stamp)

    # ------------------------------------------------------------ the call and entries (API)
    with _client(base, email["org"]) as org:
        make_challenge(org, slug, max_entries_per_participant=5)  # type: ignore[arg-type]
        role = {"email": email["screener"], "role": "screener"}
        _ok(org.post(f"/api/challenges/{slug}/roles", json=role), 201)
    for title, (who, category, idea) in ENTRIES.items():
        with _client(base, email[who]) as entrant:
            answers = {**COMPLETE["answers"], "idea": idea}
            body = {**COMPLETE, "title": title, "category": category, "answers": answers}
            entry = start_entry(entrant, slug, body)  # type: ignore[arg-type]
            _ok(entrant.post(f"/api/entries/{entry['id']}/submit"))

    # ------------------------------------------------------------ 1. logging in from the header
    page = new_page()
    page.goto(f"{base}/")
    header = page.get_by_role("navigation", name="Main")
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    _checked(page)
    header.get_by_role("link", name="Log in").click()
    page.wait_for_url(re.compile(r".*/login\.html\?next=.*"))
    _checked(page)
    page.get_by_label("E-mail").fill(email["screener"])
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    expect(header.get_by_role("button", name="Log out")).to_be_visible()

    # ------------------------------------------------------------ 2. the call, from "Manage calls"
    header.get_by_role("link", name="Manage calls").click()
    page.wait_for_url(re.compile(r".*/manage\.html$"))
    card = page.get_by_test_id("managed-call")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading")).to_have_text("HIV testing for young people")
    expect(card).to_contain_text("You are: Screener")
    # A screener's card leads to the entries and the public page, not to the settings.
    expect(card.get_by_role("link")).to_have_text(["Entries", "Public page"])
    _checked(page)
    card.get_by_role("link", name="Entries").click()
    page.wait_for_url(re.compile(rf".*/entries-admin\.html\?slug={slug}$"))
    expect(page.locator("#call-name")).to_have_text("HIV testing for young people")
    subnav = page.get_by_role("navigation", name="This call's pages")
    expect(subnav.get_by_role("link")).to_have_text(["Entries", "Public page"])
    _counts(page, submitted=4, pending=4, eligible=0, ineligible=0, draft=0, withdrawn=0)
    expect(page.locator("#entry-rows tr")).to_have_count(4)
    assert _titles(page) == sorted(ENTRIES)
    expect(page.locator("#entries-shown")).to_have_text("4 shown.")
    _checked(page)

    # ------------------------------------------------------------ 3. one entry, read and eligible
    dialog = page.locator("#entry-dialog")
    page.get_by_role("button", name="Peer self-test kits").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", level=2)).to_have_text(re.compile(r"^Entry HIV-"))
    expect(dialog.get_by_text("Peers hand out kits after football.", exact=True)).to_be_visible()
    expect(dialog.locator(".facts")).to_contain_text("Ama Mensah")
    expect(dialog.get_by_role("heading", name="Screen this entry")).to_be_visible()
    _checked(page)
    dialog.get_by_label("Eligible", exact=True).check()
    dialog.get_by_role("button", name="Save the decision").click()
    expect(dialog.get_by_text("Marked eligible.")).to_be_visible()
    expect(dialog.get_by_role("heading", name="Change the screening decision")).to_be_visible()
    _counts(page, submitted=4, pending=3, eligible=1, ineligible=0)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    row = page.locator("#entry-rows tr", has_text="Peer self-test kits")
    expect(row.locator(".badge-eligible")).to_have_text("Eligible")

    # ------------------------------------------------------------ 4. another, ineligible
    page.get_by_role("button", name="Evening clinic hours").click()
    expect(dialog.get_by_text("Open the clinic after school.", exact=True)).to_be_visible()
    dialog.get_by_label("Ineligible", exact=True).check()
    # Ineligible needs a reason: saving without one says so by the field.
    dialog.get_by_role("button", name="Save the decision").click()
    expect(dialog.get_by_text("An ineligible entry needs a reason.")).to_be_visible()
    dialog.get_by_label("Reason", exact=True).select_option(REASON)
    dialog.get_by_label("Note (optional)").fill(NOTE)
    dialog.get_by_role("button", name="Save the decision").click()
    expect(dialog.get_by_text("Marked ineligible.")).to_be_visible()
    facts = dialog.locator(".facts")
    expect(facts).to_contain_text(REASON)
    expect(facts).to_contain_text(NOTE)
    _counts(page, submitted=4, pending=2, eligible=1, ineligible=1)
    dialog.get_by_role("button", name="Close").click()
    row = page.locator("#entry-rows tr", has_text="Evening clinic hours")
    expect(row.locator(".badge-ineligible")).to_have_text("Ineligible")
    expect(row.locator(".cell-note")).to_have_text(REASON)

    # ------------------------------------------------------------ 5. the rest, in bulk
    page.get_by_label("Screening", exact=True).select_option(label="Not screened yet")
    page.get_by_role("button", name="Show matching entries").click()
    expect(page.locator("#entry-rows tr")).to_have_count(2)
    assert _titles(page) == ["Radio drama about testing", "School nurse chats"]
    expect(page).to_have_url(re.compile(r"eligibility=pending"))
    bulk = page.locator("#bulk-panel")
    expect(bulk.locator("#bulk-count")).to_have_text(
        "No entries selected. Tick entries in the table first."
    )
    page.get_by_label("Select every entry shown").check()
    expect(bulk.locator("#bulk-count")).to_have_text("2 entries selected.")
    bulk.get_by_label("Eligible", exact=True).check()
    bulk.get_by_label("Note (optional)").fill("Both within the rules.")
    bulk.get_by_role("button", name="Save for the selected entries").click()
    expect(bulk.get_by_role("status")).to_have_text("2 entries marked eligible.")
    # The list still shows only those not screened yet: none now.
    expect(page.locator("#entry-rows tr")).to_have_count(0)
    expect(page.get_by_text("No entries match.")).to_be_visible()
    _counts(page, submitted=4, pending=0, eligible=3, ineligible=1)
    _checked(page)

    # ------------------------------------------------------------ 6. filtering by state
    page.get_by_label("Screening", exact=True).select_option(label="Ineligible")
    page.get_by_role("button", name="Show matching entries").click()
    expect(page.locator("#entry-rows tr")).to_have_count(1)
    assert _titles(page) == ["Evening clinic hours"]
    page.get_by_label("Screening", exact=True).select_option(label="Eligible")
    page.get_by_role("button", name="Show matching entries").click()
    expect(page.locator("#entry-rows tr")).to_have_count(3)
    assert _titles(page) == sorted(set(ENTRIES) - {"Evening clinic hours"})
    # The filter lives in the address: a reload keeps it, and the decisions were kept.
    page.reload()
    expect(page.get_by_label("Screening", exact=True)).to_have_value("eligible")
    expect(page.locator("#entry-rows tr")).to_have_count(3)
    _counts(page, submitted=4, pending=0, eligible=3, ineligible=1)
    page.get_by_role("button", name="Clear the filters").click()
    expect(page.locator("#entry-rows tr")).to_have_count(4)
    page.get_by_role("button", name="Evening clinic hours").click()
    expect(dialog.locator(".facts")).to_contain_text(NOTE)
    dialog.get_by_role("button", name="Close").click()

    # ------------------------------------------------------------ 7. organisers' pages
    # Their links are not offered; typed in, each page says it is for the organisers.
    for organisers_page in ("challenge-edit.html", "dashboard.html", "panel.html"):
        page.goto(f"{base}/{organisers_page}?slug={slug}")
        alert = page.locator("#page-alert")
        expect(alert).to_contain_text("Only the organisers of this call can use this page.")
        expect(page.locator("#page-body")).to_be_hidden()
        _checked(page)
    alert.get_by_role("link", name="Go to its entries.").click()
    page.wait_for_url(re.compile(rf".*/entries-admin\.html\?slug={slug}$"))
    _counts(page, submitted=4, pending=0, eligible=3, ineligible=1)

    # What the organisers see (API): the decisions, the reason and the note, by the screener.
    with _client(base, email["org"]) as org:
        listed = _ok(org.get(f"/api/challenges/{slug}/entries", params={"limit": 50}))["items"]
        by_title = {e["title"]: e for e in listed}
        assert {t: e["eligibility"] for t, e in by_title.items()} == {
            "Peer self-test kits": "eligible",
            "Evening clinic hours": "ineligible",
            "Radio drama about testing": "eligible",
            "School nurse chats": "eligible",
        }
        refused = _ok(org.get(f"/api/entries/{by_title['Evening clinic hours']['id']}"))
        assert (refused["eligibility_reason"], refused["eligibility_note"]) == (REASON, NOTE)
