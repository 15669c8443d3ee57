"""The exports page in a real Chromium at 360 px: an organiser downloads the entries table
(with the byte-order mark for Excel when asked) and the bundle, whose checksums verify; a
participant is turned away. axe and the 360 px check on the page."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_results_journey import PASSWORD, _checked, _log_in
from tests.factories import COMPLETE, make_challenge

pytestmark = pytest.mark.browser


def _account(base: str, email: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Origin": base})
    r = client.post(
        "/api/auth/register", json={"email": email, "display_name": name, "password": PASSWORD}
    )
    assert r.status_code == 201, r.text
    return client


def _verify(live_server: Any, email: str) -> None:
    from sqlalchemy import create_engine, text

    from app.core.db import normalise_database_url

    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        conn.execute(
            text('UPDATE "user" SET email_verified_at = CURRENT_TIMESTAMP WHERE email = :e'),
            {"e": email},
        )
    engine.dispose()


def test_an_organiser_downloads_the_entries_and_the_bundle(
    page: Page, live_server: Any, tmp_path: Path
) -> None:
    base = live_server.url
    stamp = secrets.token_hex(3)
    slug = f"exports-{stamp}"
    org_email, entrant_email = f"org-{stamp}@example.org", f"ama-{stamp}@example.org"
    org = _account(base, org_email, "Olu Organiser")
    _verify(live_server, org_email)
    make_challenge(org, slug)  # type: ignore[arg-type]
    org.close()
    ama = _account(base, entrant_email, "Ama, Mensah")
    r = ama.post(f"/api/challenges/{slug}/entries", json={"title": ""})
    assert r.status_code == 201, r.text
    r = ama.patch(f"/api/entries/{r.json()['id']}", json=COMPLETE)
    assert r.status_code == 200, r.text
    ama.close()

    _log_in(page, base, org_email, f"/exports.html?slug={slug}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Exports")
    expect(page.locator("#organiser-nav [aria-current=page]")).to_have_text("Exports")
    _checked(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Entries (CSV)", exact=True).click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == f"{slug}-entries.csv"
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"), newline="")))
    assert [(r["title"], r["participant_name"]) for r in rows] == [
        (COMPLETE["title"], "Ama, Mensah")
    ]

    page.get_by_label("For Excel: start each file with a byte-order mark").check()
    with page.expect_download() as info:
        page.get_by_role("link", name="Entries (CSV)", exact=True).click()
    assert Path(info.value.path()).read_bytes().startswith(b"\xef\xbb\xbf")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the bundle (ZIP)").click()
    assert info.value.suggested_filename == f"{slug}-bundle.zip"
    archive = zipfile.ZipFile(info.value.path())
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert archive.read("entries.csv") == saved.read_bytes()

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the anonymised bundle (ZIP)").click()
    assert info.value.suggested_filename == f"{slug}-bundle-anonymised.zip"
    shared = zipfile.ZipFile(info.value.path())
    assert "audit.csv" not in shared.namelist()
    text = "".join(shared.read(n).decode() for n in shared.namelist() if n.endswith(".csv"))
    assert "Ama, Mensah" not in text and entrant_email not in text and "P-" in text


def test_a_participant_is_turned_away(page: Page, live_server: Any) -> None:
    base = live_server.url
    stamp = secrets.token_hex(3)
    slug = f"exports-{stamp}"
    org_email, email = f"org-{stamp}@example.org", f"p-{stamp}@example.org"
    org = _account(base, org_email, "Olu Organiser")
    _verify(live_server, org_email)
    make_challenge(org, slug)  # type: ignore[arg-type]
    org.close()
    _account(base, email, "Pat").close()
    _log_in(page, base, email, f"/exports.html?slug={slug}")
    expect(page.locator("#page-alert")).to_be_visible()
    expect(page.locator("#page-body")).to_be_hidden()
