"""The mail pages in a real Chromium at 360 px. An organiser reads the call's mail log (what
was sent to whom, what failed and why) and filters it to the failed message; an admin finds
it from "Calls you manage", sends it again and sees it sent, and the test SMTP server gets it
with its stored Message-ID; an organiser is told the admins' page is not theirs. axe and the
360 px check on both pages."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, create_engine

from app.core.db import normalise_database_url, utcnow
from app.models import OutboxMessage
from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import _checked, _client, _log_in, _ok
from tests.factories import make_challenge

pytestmark = pytest.mark.browser


def _messages(live_server: Any, challenge_id: int, stamp: str) -> dict[str, OutboxMessage]:
    """A receipt that went out and a results message that failed at its last try."""
    now = utcnow()
    common = {"challenge_id": challenge_id, "text_body": "The text", "html_body": None}
    rows = {
        "sent": OutboxMessage(
            message_id=f"<sent-{stamp}@example.org>",
            template="entry_receipt",
            kind="entry_receipt",
            to_address=f"ama-{stamp}@example.org",
            subject=f"Your entry HIV-0001 is in ({stamp})",
            status="sent",
            attempts=1,
            created_at=now - timedelta(hours=2),
            sent_at=now - timedelta(hours=2),
            **common,
        ),
        "failed": OutboxMessage(
            message_id=f"<failed-{stamp}@example.org>",
            template="results",
            kind="results",
            to_address=f"bo-{stamp}@example.org",
            subject=f"The results are out ({stamp})",
            status="failed",
            attempts=8,
            created_at=now - timedelta(hours=1),
            failed_at=now - timedelta(minutes=5),
            last_error="SMTPRecipientsRefused: 450 mailbox busy",
            **common,
        ),
    }
    engine = create_engine(normalise_database_url(live_server.database_url))
    with Session(engine, expire_on_commit=False) as session:
        session.add_all(rows.values())
        session.commit()
    engine.dispose()
    return rows


def test_an_organiser_reads_the_mail_log_and_an_admin_sends_failed_mail_again(
    page: Page, live_server: Any, mailbox: Any
) -> None:
    base = live_server.url
    stamp = secrets.token_hex(3)
    slug = f"mail-{stamp}"
    email = _people(live_server, {"org": "Olu Organiser", "admin": "Ada Admin"}, stamp, "admin")
    with _client(base, email["org"]) as org:
        challenge = make_challenge(org, slug)  # type: ignore[arg-type]
    rows = _messages(live_server, challenge["id"], stamp)
    sent, failed = rows["sent"], rows["failed"]

    _log_in(page, base, email["org"], f"/mail-log.html?slug={slug}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mail")
    expect(page.locator("#organiser-nav [aria-current=page]")).to_have_text("Mail log")
    cards = page.get_by_test_id("mail-message")
    expect(cards).to_have_count(2)
    expect(cards.nth(0).get_by_role("heading")).to_have_text(failed.subject)
    expect(cards.nth(0).get_by_role("definition").first).to_have_text(failed.to_address)
    expect(cards.nth(0)).to_contain_text("Failed")
    expect(cards.nth(0)).to_contain_text("SMTPRecipientsRefused: 450 mailbox busy")
    expect(cards.nth(1).get_by_role("heading")).to_have_text(sent.subject)
    expect(cards.nth(1)).to_contain_text("Sent")
    expect(cards.nth(1)).to_contain_text("Receipt for each entry you submit")
    _checked(page)

    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Show matching mail").click()
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("heading")).to_have_text(failed.subject)
    assert "status=failed" in page.url
    page.get_by_label("Sent to").fill(f"AMA-{stamp}@example.org")
    page.get_by_label("Status").select_option("")
    page.get_by_role("button", name="Show matching mail").click()
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("heading")).to_have_text(sent.subject)

    # The admins' page is not an organiser's.
    page.goto(f"{base}/admin-mail.html")
    expect(page.locator("#page-alert")).to_contain_text("Only platform administrators")
    expect(page.locator("#page-body")).to_be_hidden()

    page.context.clear_cookies()
    _log_in(page, base, email["admin"], "/manage.html")
    page.get_by_role("link", name="mail that could not be delivered").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed mail")
    card = page.get_by_test_id("mail-message").filter(has_text=failed.subject)
    expect(card).to_contain_text("SMTPRecipientsRefused: 450 mailbox busy")
    expect(card.get_by_role("link", name="HIV testing for young people")).to_have_attribute(
        "href", f"/mail-log.html?slug={slug}"
    )
    _checked(page)

    card.get_by_role("button", name="Send again").click()
    expect(page.locator("#retry-status")).to_contain_text(f"Queued again: “{failed.subject}”")
    expect(card).to_contain_text("Waiting to be sent")
    expect(card).to_contain_text("Goes out")
    expect(card.get_by_role("button", name="Send again")).to_have_count(0)

    deadline = time.monotonic() + 20
    while not mailbox.to(failed.to_address):
        assert time.monotonic() < deadline, "the retried message was not delivered"
        time.sleep(0.1)
    [received] = mailbox.to(failed.to_address)
    assert received["Message-ID"] == failed.message_id
    with _client(base, email["admin"]) as admin:
        deadline = time.monotonic() + 20
        while failed.id not in [
            m["id"] for m in _ok(admin.get("/api/admin/mail?status=sent&limit=200"))["items"]
        ]:
            assert time.monotonic() < deadline, "the retried message is not marked sent"
            time.sleep(0.1)

    page.get_by_label("Status").select_option("sent")
    page.get_by_role("button", name="Show this mail").click()
    sent_card = page.get_by_test_id("mail-message").filter(has_text=failed.subject)
    expect(sent_card).to_contain_text("Sent")
    expect(sent_card.get_by_role("button", name="Send again")).to_have_count(0)
    expect(sent_card).not_to_contain_text("mailbox busy")  # the old error is not shown once sent
