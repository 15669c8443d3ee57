"""The accounts page in a real Chromium at 360 px: an admin finds an account from "Calls you
manage", is asked for a reason, deactivates it (its session ends at once), reads why in its
history, restores it and makes it an administrator; an organiser is told the page is not
theirs. axe and the 360 px check on the way."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import _checked, _client, _log_in

pytestmark = pytest.mark.browser


def test_an_admin_deactivates_and_restores_an_account(page: Page, live_server: Any) -> None:
    base = live_server.url
    stamp = secrets.token_hex(3)
    email = _people(live_server, {"admin": "Ada Admin", "ama": "Ama Mensah"}, stamp, "admin")
    with _client(base, email["ama"]) as ama:
        _log_in(page, base, email["admin"], "/manage.html")
        page.get_by_role("link", name="every account").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
        page.get_by_label("E-mail address or name").fill(f"ama-{stamp}")
        page.get_by_role("button", name="Find").click()
        cards = page.locator("#user-list > li")
        expect(cards).to_have_count(1)
        card = cards.first
        expect(card.get_by_role("heading")).to_have_text("Ama Mensah")
        card.get_by_role("button", name="Details and actions").click()
        expect(card).to_contain_text("No role in any call.")
        expect(card).to_contain_text("No changes by administrators.")
        _checked(page)

        card.get_by_role("button", name="Deactivate").click()  # no reason yet
        reason = card.get_by_label("Reason (kept in the history)")
        expect(reason).to_be_focused()
        expect(card.locator(".field-error")).to_have_text(
            "Give a reason: it is kept in the account’s history."
        )
        assert ama.get("/api/auth/me").status_code == 200  # nothing done
        reason.fill("Posting spam in the gallery")
        card.get_by_role("button", name="Deactivate").click()
        expect(page.locator("#action-status")).to_have_text(f"Deactivate: done for {email['ama']}.")
        card = cards.first
        expect(card).to_contain_text("Deactivated")
        expect(card).to_contain_text(
            "Deactivated by Ada Admin. Reason: Posting spam in the gallery"
        )
        assert ama.get("/api/auth/me").status_code == 401  # logged out at once

        card.get_by_label("Reason (kept in the history)").fill("Appeal upheld")
        card.get_by_role("button", name="Restore").click()
        expect(page.locator("#action-status")).to_have_text(f"Restore: done for {email['ama']}.")
        card = cards.first
        card.get_by_label("Reason (kept in the history)").fill("Helps with the pilot")
        card.get_by_role("button", name="Make administrator").click()
        expect(cards.first.locator(".flags")).to_contain_text("Administrator")
        expect(cards.first.locator(".account-detail li")).to_have_count(3)
        _checked(page)

    with _client(base, email["ama"]) as ama:
        assert ama.get("/api/admin/users").status_code == 200  # an admin now

    # The admin's own account cannot be changed from here.
    page.get_by_label("E-mail address or name").fill(email["admin"])
    page.get_by_role("button", name="Find").click()
    expect(cards).to_have_count(1)
    cards.first.get_by_role("button", name="Details and actions").click()
    expect(cards.first).to_contain_text("This is your account")
    expect(cards.first.get_by_role("button", name="Deactivate")).to_have_count(0)


def test_the_accounts_page_is_for_admins_only(page: Page, live_server: Any) -> None:
    base = live_server.url
    email = _people(live_server, {"org": "Olu Organiser"}, secrets.token_hex(3))
    _log_in(page, base, email["org"], "/admin-users.html")
    expect(page.locator("#page-alert")).to_contain_text("Only platform administrators")
    expect(page.locator("#page-body")).to_be_hidden()
