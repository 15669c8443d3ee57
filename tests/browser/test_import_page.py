"""The import page in a real Chromium at 360 px: an organiser uploads a CSV file with one bad
row and a column to match by hand, sees every problem and cannot import, fixes the file,
imports, and sees the count; the entries are there. axe and the 360 px check on the page."""

from __future__ import annotations

import csv
import io
import re
import secrets
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_exports_page import _account, _verify
from tests.browser.test_results_journey import PASSWORD, _checked, _log_in
from tests.factories import make_challenge

pytestmark = pytest.mark.browser

HEADER = [
    "Title",
    "Summary",
    "Category",
    "Nom",
    "Your idea",
    "Country",
    "Consent",
    "Licence agreed",
]
GOOD = ["Kiosks", "Kiosks by the pharmacy", "Clinic", "Bola Ade", "Kiosks.", "NG", "yes", "yes"]
BAD = ["Radio", "A radio drama", "Community", "Chidi, Okafor", "Radio.", "Atlantis", "yes", "yes"]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def _choose(page: Page, rows: list[list[str]]) -> None:
    page.set_input_files(
        "#file", files=[{"name": "drop-box.csv", "mimeType": "text/csv", "buffer": _csv(rows)}]
    )


def test_an_organiser_fixes_a_bad_row_and_imports(page: Page, live_server: Any) -> None:
    base = live_server.url
    stamp = secrets.token_hex(3)
    slug = f"import-{stamp}"
    email = f"org-{stamp}@example.org"
    org = _account(base, email, "Olu Organiser")
    _verify(live_server, email)
    make_challenge(org, slug)  # type: ignore[arg-type]
    org.close()

    _log_in(page, base, email, f"/import.html?slug={slug}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import entries")
    expect(page.locator("#organiser-nav [aria-current=page]")).to_have_text("Import")
    page.get_by_label("How these entries came in").select_option(label="Drop box")

    _choose(page, [HEADER, GOOD, BAD])
    problems = page.locator("#problems li")
    # "Nom" matches no field by itself: the submitter's name has no column yet.
    expect(problems.first).to_have_text(
        "Row 1: Submitter's name is needed for every entry, and no column is mapped to it: "
        "map a column to it (add one to the file if it has none)."
    )
    expect(page.locator("#map-3-hint")).to_have_text(
        "This column is left out. First value: “Bola Ade”."
    )
    importer = page.get_by_role("button", name="Import the entries")
    expect(importer).to_be_disabled()
    page.get_by_label("Column “Nom”").select_option(label="Submitter's name (required)")
    expect(problems).to_have_text(
        [
            "Row 3, column “Country”: must be a country from the list: write a country's name "
            "or its two-letter code, such as NG."
        ]
    )
    expect(page.locator("#problems-summary")).to_have_text(
        "1 problem in 1 row. Fix them in the file (or the column matching above), then choose "
        "the file again."
    )
    expect(page.locator("#rows-body tr.row-bad th")).to_have_text("3has problems")
    expect(page.locator("#rows-body tr").nth(1)).to_contain_text("Chidi, Okafor")
    expect(importer).to_be_disabled()
    expect(page.locator("#import-hint")).to_have_text(
        "Fix the 1 problem above first: nothing is imported while any row has one."
    )
    _checked(page)

    # The corrected file keeps the column matched by hand.
    _choose(page, [HEADER, GOOD, [*BAD[:5], "Ghana", *BAD[6:]]])
    expect(page.locator("#problems-summary")).to_have_text(
        "No problems: every row can be imported."
    )
    expect(page.locator("#preview-status")).to_have_text(
        "drop-box.csv: 2 entries, 8 columns, no problems."
    )
    expect(page.get_by_label("Column “Nom”")).to_have_value("submitter_name")
    expect(page.locator("#rows-caption")).to_have_text("All 2 entries")
    expect(importer).to_be_enabled()
    importer.click()
    expect(page.locator("#import-done")).to_have_text(
        "Imported 2 entries (HIV-0001 to HIV-0002). See them on the entries page."
    )
    expect(page.locator("#preview")).to_be_hidden()
    _checked(page)

    page.get_by_role("link", name="See them on the entries page").click()
    page.wait_for_url(re.compile(r".*/entries-admin\.html\?.*channel=drop_box"))
    expect(page.locator("#entry-rows")).to_contain_text("Kiosks")
    expect(page.locator("#entry-rows")).to_contain_text("Radio")

    with httpx.Client(base_url=base, headers={"Origin": base}) as again:
        r = again.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        rows = again.get(f"/api/challenges/{slug}/entries").json()["items"]
    assert sorted((e["reference"], e["title"], e["channel"], e["owner_name"]) for e in rows) == [
        ("HIV-0001", "Kiosks", "drop_box", "Bola Ade"),
        ("HIV-0002", "Radio", "drop_box", "Chidi, Okafor"),
    ]


def test_a_screener_is_turned_away(page: Page, live_server: Any) -> None:
    base = live_server.url
    stamp = secrets.token_hex(3)
    slug = f"import-{stamp}"
    org_email, email = f"org-{stamp}@example.org", f"s-{stamp}@example.org"
    org = _account(base, org_email, "Olu Organiser")
    _verify(live_server, org_email)
    make_challenge(org, slug)  # type: ignore[arg-type]
    _account(base, email, "Sam Screener").close()
    r = org.post(f"/api/challenges/{slug}/roles", json={"email": email, "role": "screener"})
    assert r.status_code == 201, r.text
    org.close()
    _log_in(page, base, email, f"/import.html?slug={slug}")
    expect(page.locator("#page-alert")).to_contain_text(
        "Only the organisers of this call can use this page."
    )
    expect(page.locator("#page-body")).to_be_hidden()
