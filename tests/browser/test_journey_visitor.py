"""The visitor's journey from an empty database, through the pages only, in a real Chromium at
360 px, never logged in. Set up through the API: a finished call (four eligible entries scored
by two judges, a public vote, the awards proposed and the results published) and a second call
still open. From the home page the visitor browses the list of calls and searches it, reads the
finished call, follows it to its published results, downloads the results table and finds its
SHA-256 equal to the one shown (and the page's own check agrees, and refuses an altered file),
goes on to the gallery, browses and searches it, and opens the winning entry by its reference:
its public answers and licence, and nothing private. axe and the 360 px check on every page."""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_results_journey import (  # noqa: F401
    ENTRANT,
    ENTRIES,
    TEAMMATE,
    _checked,
    _client,
    _contest,
    _ok,
    new_page,
)
from tests.factories import make_challenge

pytestmark = pytest.mark.browser

FINISHED = "HIV testing for young people"
OPEN = "Mental health at school"
WINNER = "Peer self-test kits"  # the best jury score (test_results_journey.ENTRIES)


def test_the_visitor_journey(
    new_page: Any,  # noqa: F811
    fresh_server,
    smtp_server,
    tmp_path: Path,
) -> None:
    _, mailbox = smtp_server
    base = fresh_server.url
    world = _contest(fresh_server, mailbox, secrets.randbelow(10**9))
    slug, email, reference = world["slug"], world["email"], world["reference"]
    with _client(base, email["organiser"]) as org:
        _ok(org.post(f"/api/challenges/{slug}/awards/propose"))
        published = _ok(org.post(f"/api/challenges/{slug}/results/publish", json={}))
        make_challenge(
            org,  # type: ignore[arg-type]
            f"mental-{slug}",
            title=OPEN,
            prompt="How might we help pupils talk about their worries?",
            reference_prefix="MHS",
        )
    sha = published["publication"]["sha256"]
    page = new_page()

    # ------------------------------------------------------------ browse and search the calls
    page.goto(f"{base}/")
    expect(page.get_by_role("link", name="Create an account")).to_be_visible()
    _checked(page)
    page.get_by_role("link", name="Browse open calls").click()
    page.wait_for_url(re.compile(r".*/challenges\.html$"))
    expect(page.get_by_role("link", name=FINISHED)).to_be_visible()
    expect(page.get_by_role("link", name=OPEN)).to_be_visible()
    _checked(page)
    page.get_by_label("Search calls").fill("HIV testing")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#search-summary")).to_contain_text("HIV testing")
    expect(page.get_by_role("link", name=OPEN)).to_have_count(0)
    expect(page.get_by_role("link", name=FINISHED)).to_be_visible()
    _checked(page)
    page.get_by_role("link", name="Show all calls").click()
    expect(page.get_by_role("link", name=OPEN)).to_be_visible()
    page.get_by_role("link", name=FINISHED).click()

    # ------------------------------------------------------------ read the call
    page.wait_for_url(re.compile(rf".*/challenge\.html\?slug={slug}$"))
    expect(page.locator("#call-title")).to_have_text(FINISHED)
    expect(page.locator("#call-prompt")).to_have_text(
        "How might we make HIV testing easier for young people?"
    )
    expect(page.locator("#deadline-text")).not_to_be_empty()
    expect(page.locator("#licence-text")).to_contain_text("Creative Commons")
    expect(page.get_by_role("button", name="Start an entry")).to_have_count(0)
    _checked(page)

    # ------------------------------------------------------------ the published results
    page.get_by_role("link", name="Results", exact=True).click()
    page.wait_for_url(re.compile(rf".*/results\.html\?slug={slug}$"))
    expect(page.locator("#version-line")).to_contain_text("Version 1, published")
    first = page.get_by_test_id("award").first
    expect(first.get_by_role("heading")).to_have_text(WINNER)
    expect(first).to_contain_text(reference[WINNER])
    expect(first).to_contain_text(ENTRIES[WINNER][1])
    expect(page.locator("#csv-sha")).to_have_text(sha)
    expect(page.locator("#cmd-linux")).to_have_text(f"sha256sum {slug}-results-v1.csv")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the results table (CSV)").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == sha
    result = page.locator("#check-result")
    page.get_by_label("Or choose the file you saved").set_input_files(saved)
    expect(result).to_contain_text(
        f"It matches: the SHA-256 of your file “{saved.name}” is the published one"
    )
    altered = tmp_path / "altered.csv"
    altered.write_bytes(saved.read_bytes() + b"x")
    page.get_by_label("Or choose the file you saved").set_input_files(altered)
    expect(result).to_contain_text("It does not match")
    page.get_by_role("button", name="Check my download").click()
    expect(result).to_contain_text("It matches: the SHA-256 of the table downloaded now")
    _checked(page)

    # ------------------------------------------------------------ browse and search the gallery
    page.get_by_role("link", name="Gallery of entries").click()
    page.wait_for_url(re.compile(rf".*/gallery\.html\?slug={slug}$"))
    entries = page.get_by_test_id("gallery-entry")
    expect(entries).to_have_count(4)
    expect(page.locator("#list-status")).to_have_text("4 entries in the gallery.")
    _checked(page)
    page.get_by_label("Search", exact=True).fill("radio")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(entries).to_have_count(1)
    expect(entries.get_by_role("heading")).to_have_text("Radio drama about testing")
    page.get_by_role("button", name="Show every entry").click()
    expect(entries).to_have_count(4)
    page.get_by_label("Category").select_option("Clinic")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(entries).to_have_count(2)
    _checked(page)

    # ------------------------------------------------------------ one public entry
    page.get_by_label("Category").select_option("")
    page.get_by_label("Search", exact=True).fill(reference[WINNER])
    page.get_by_role("button", name="Search", exact=True).click()
    expect(entries).to_have_count(1)
    winner = entries.first
    expect(winner.get_by_role("heading")).to_have_text(WINNER)
    expect(winner.locator(".entry-meta")).to_have_text(f"{reference[WINNER]} · Community")
    expect(winner).to_contain_text(ENTRIES[WINNER][1])
    expect(winner.locator(".entry-answers")).to_contain_text("Your idea")
    expect(winner.get_by_role("link", name=re.compile("Creative Commons"))).to_be_visible()
    html = page.content()
    for private in (ENTRANT, TEAMMATE, email["entrant"], "I consent to sharing"):
        assert private not in html
    _checked(page)
