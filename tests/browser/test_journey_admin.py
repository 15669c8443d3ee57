"""The admin's journey from a fresh database, in a real Chromium at 360 px: the first admin is
made with `opencall create-admin` (there is no page for that); then, through the pages only,
they log in from the home page, see every call on "Manage calls" (another organiser's draft
too), open that draft's settings, compare the calls on the platform figures, find an account
and deactivate it with a reason and restore it, and send a failed message again, which the
SMTP server then receives. Other people's calls, entries and the failed message are set up
through the API (and the outbox table, as the mail log test does). axe and the 360 px check on
every page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, create_engine

from app.core.db import normalise_database_url, utcnow
from app.models import OutboxMessage
from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import PASSWORD, _checked, _client, _ok
from tests.factories import COMPLETE, make_challenge, start_entry

pytestmark = pytest.mark.browser

ADMIN = "root@opencall.example"
PUBLISHED = "Clean water for schools"
DRAFT = "Safe roads to clinics"


def _create_admin(database_url: str) -> str:
    """`opencall create-admin` against the server's database; the password typed twice."""
    env = {
        **os.environ,
        "OPENCALL_ENVIRONMENT": "test",
        "OPENCALL_DATABASE_URL": database_url,
        "OPENCALL_SECRET_KEY": "browser-test-secret-key-long-enough-0123456789",
        "OPENCALL_ARGON2_MEMORY_KIB": "1024",
        "OPENCALL_ARGON2_TIME_COST": "1",
        "OPENCALL_ARGON2_PARALLELISM": "1",
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "opencall"),
            "create-admin",
            "--email",
            ADMIN,
            "--display-name",
            "Ada Admin",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert PASSWORD not in result.stdout
    return result.stdout


def _world(live_server: Any) -> dict[str, Any]:
    """Olu's two calls (one published with Ama's entry, one a draft) and a failed message."""
    base = live_server.url
    email = _people(live_server, {"olu": "Olu Organiser", "ama": "Ama Mensah"}, "admin-j")
    with _client(base, email["olu"]) as olu, _client(base, email["ama"]) as ama:
        published = make_challenge(olu, "clean-water", title=PUBLISHED)  # type: ignore[arg-type]
        make_challenge(olu, "safe-roads", title=DRAFT, publish=False)  # type: ignore[arg-type]
        entry = start_entry(ama, "clean-water", COMPLETE)  # type: ignore[arg-type]
        _ok(ama.post(f"/api/entries/{entry['id']}/submit"))
    failed = OutboxMessage(
        message_id="<failed-results@opencall.example>",
        template="results",
        kind="results",
        challenge_id=published["id"],
        to_address="bo@example.org",
        subject="The results of Clean water for schools are out",
        text_body="The results are on the call page.",
        html_body=None,
        status="failed",
        attempts=8,
        created_at=utcnow() - timedelta(hours=1),
        failed_at=utcnow() - timedelta(minutes=5),
        last_error="SMTPRecipientsRefused: 450 mailbox busy",
    )
    engine = create_engine(normalise_database_url(live_server.database_url))
    with Session(engine, expire_on_commit=False) as session:
        session.add(failed)
        session.commit()
    engine.dispose()
    return {"email": email, "failed": failed}


def test_the_admin_journey(page: Page, fresh_server, smtp_server) -> None:
    _, mailbox = smtp_server
    base = fresh_server.url
    world = _world(fresh_server)
    email, failed = world["email"], world["failed"]
    assert "created" in _create_admin(fresh_server.database_url).lower()

    # ------------------------------------------------------------ 1. log in from the home page
    page.goto(f"{base}/")
    page.wait_for_load_state("networkidle")  # the menu knows nobody is logged in
    _checked(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.wait_for_url(re.compile(r".*/login\.html"))
    page.wait_for_load_state("networkidle")  # the form's script is ready
    _checked(page)
    page.get_by_label("E-mail").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")  # back where they were
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Account")
    ).to_be_visible()

    # ------------------------------------------------------------ 2. every call, drafts too
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Manage calls").click()
    page.wait_for_url(re.compile(r".*/manage\.html$"))
    cards = page.get_by_test_id("managed-call")
    expect(cards).to_have_count(2)
    expect(cards.get_by_role("heading")).to_have_text([DRAFT, PUBLISHED], use_inner_text=True)
    draft = cards.filter(has_text=DRAFT)
    expect(draft).to_contain_text("You are an administrator")
    expect(draft).to_contain_text("Draft")
    # A draft has no public page yet; the published call has.
    expect(draft.get_by_role("link", name="Public page")).to_have_count(0)
    expect(cards.filter(has_text=PUBLISHED).get_by_role("link", name="Public page")).to_be_visible()
    expect(page.locator("#admin-stats")).to_be_visible()
    _checked(page)

    # ------------------------------------------------------------ 3. another organiser's draft
    draft.get_by_role("link", name="Settings").click()
    page.wait_for_url(re.compile(r".*/challenge-edit\.html\?slug=safe-roads$"))
    expect(page.get_by_label("Title", exact=True)).to_have_value(DRAFT)
    expect(page.locator("#phase-now")).to_have_text("Draft")
    expect(page.locator("#people-list")).to_contain_text("Olu Organiser")
    _checked(page)

    # ------------------------------------------------------------ 4. the platform's figures
    page.get_by_role("link", name="Calls you manage").click()
    page.wait_for_url(re.compile(r".*/manage\.html$"))
    page.get_by_role("link", name="every call’s figures side by side").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Every call’s figures")
    table = page.get_by_role("table", name="Calls side by side")
    expect(table.locator("tbody th")).to_have_text([DRAFT, PUBLISHED])
    published_row = table.locator("tbody tr").filter(has_text=PUBLISHED)
    # Call, opens, deadline, started, submitted, eligible, …
    expect(published_row.locator("td").nth(3)).to_have_text("1")
    _checked(page)

    # ------------------------------------------------------------ 5. accounts
    page.go_back()
    page.wait_for_url(re.compile(r".*/manage\.html$"))
    page.get_by_role("link", name="every account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    page.get_by_label("E-mail address or name").fill("Ama")
    page.get_by_role("button", name="Find").click()
    accounts = page.locator("#user-list > li")
    expect(accounts).to_have_count(1)
    card = accounts.first
    expect(card.get_by_role("heading")).to_have_text("Ama Mensah")
    card.get_by_role("button", name="Details and actions").click()
    expect(card).to_contain_text("No changes by administrators.")
    _checked(page)
    with _client(base, email["ama"]) as ama:
        card.get_by_label("Reason (kept in the history)").fill("Several accounts for one person")
        card.get_by_role("button", name="Deactivate").click()
        expect(page.locator("#action-status")).to_have_text(f"Deactivate: done for {email['ama']}.")
        expect(accounts.first).to_contain_text(
            "Deactivated by Ada Admin. Reason: Several accounts for one person"
        )
        assert ama.get("/api/auth/me").status_code == 401  # logged out at once
    with _client(base) as anon:
        refused = anon.post("/api/auth/login", json={"email": email["ama"], "password": PASSWORD})
        assert refused.status_code in (401, 403), refused.text
    accounts.first.get_by_label("Reason (kept in the history)").fill("It was her only account")
    accounts.first.get_by_role("button", name="Restore").click()
    expect(page.locator("#action-status")).to_have_text(f"Restore: done for {email['ama']}.")
    expect(accounts.first).to_contain_text("Restored by Ada Admin. Reason: It was her only account")
    with _client(base, email["ama"]) as ama:  # she can log in again
        assert ama.get("/api/auth/me").status_code == 200
    _checked(page)

    # ------------------------------------------------------------ 6. failed mail, sent again
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Manage calls").click()
    page.wait_for_url(re.compile(r".*/manage\.html$"))
    page.get_by_role("link", name="mail that could not be delivered").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed mail")
    message = page.get_by_test_id("mail-message").filter(has_text=failed.subject)
    expect(message).to_contain_text("SMTPRecipientsRefused: 450 mailbox busy")
    expect(message.get_by_role("link", name=PUBLISHED)).to_have_attribute(
        "href", "/mail-log.html?slug=clean-water"
    )
    _checked(page)
    message.get_by_role("button", name="Send again").click()
    expect(page.locator("#retry-status")).to_contain_text(f"Queued again: “{failed.subject}”")
    expect(message).to_contain_text("Waiting to be sent")
    deadline = time.monotonic() + 20
    while not mailbox.to(failed.to_address):
        assert time.monotonic() < deadline, "the message sent again was not delivered"
        time.sleep(0.1)
    [received] = mailbox.to(failed.to_address)
    assert received["Message-ID"] == failed.message_id
    assert received["Subject"] == failed.subject
    # Once the worker has sent it, the page says so.
    page.get_by_label("Status").select_option("sent")
    deadline = time.monotonic() + 20
    sent = page.get_by_test_id("mail-message").filter(has_text=failed.subject)
    while True:
        page.get_by_role("button", name="Show this mail").click()
        page.wait_for_load_state("networkidle")
        if sent.count() == 1:
            break
        assert time.monotonic() < deadline, "the message is not shown as sent"
        time.sleep(0.2)
    expect(sent).to_contain_text("Sent")
    expect(sent.get_by_role("button", name="Send again")).to_have_count(0)
    _checked(page)
