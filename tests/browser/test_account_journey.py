"""The account journey in a real Chromium at 360 px: register, verify through the mail the
test SMTP server received, log out, log in, see the account, log out; axe finds nothing
serious or critical on any page."""

from __future__ import annotations

import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.conftest import Mailbox

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/register.html",
    "/login.html",
    "/forgot.html",
    "/reset.html?token=x",
    "/verify.html",
    "/account.html",
    "/nowhere.html",
    "/judge-invitation.html?token=x",
]


def _wait_for_mail(mailbox: Mailbox, address: str, count: int = 1) -> str:
    deadline = time.monotonic() + 20
    while len(mailbox.to(address)) < count:
        assert time.monotonic() < deadline, f"no mail reached {address}"
        time.sleep(0.1)
    body = mailbox.to(address)[count - 1].get_body(preferencelist=("plain",))
    assert body is not None
    return body.get_content()


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_register_verify_login_logout(page: Page, live_server, smtp_server) -> None:
    _, mailbox = smtp_server
    email = f"browser-{int(time.time() * 1000)}@example.org"

    page.goto(f"{live_server.url}/register.html")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    _no_horizontal_scroll(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Display name").fill("Brenda Browser")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create account").click()
    # Bad input: the error sits next to its field and nothing typed is lost.
    expect(page.locator("#password-error")).to_contain_text("at least 8")
    expect(page.get_by_label("E-mail")).to_have_value(email)
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Check your e-mail for a link to verify your address")).to_be_visible()

    text = _wait_for_mail(mailbox, email)
    link = re.search(r"(http://\S+/verify\.html\?token=\S+)", text)
    assert link is not None
    page.goto(link.group(1))
    expect(page.get_by_text("Your e-mail address is verified")).to_be_visible()

    page.goto(f"{live_server.url}/account.html")
    expect(page.locator("#user-email")).to_have_text(email)
    expect(page.get_by_text("Your e-mail address is verified.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/login.html")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("the wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("[data-alert]").first).to_contain_text("wrong")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/account\.html$"))
    expect(page.locator("#user-email")).to_have_text(email)
    expect(page.locator('[data-testid="session"][data-current="true"]')).to_have_count(1)
    _no_horizontal_scroll(page)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/account.html")
    page.wait_for_url(re.compile(r".*/login\.html\?next=.*"))


def test_pages_are_keyboard_reachable(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/login.html")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    page.keyboard.press("Enter")
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    assert page.evaluate("document.activeElement.id") == "email"


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(page: Page, live_server, path: str) -> None:
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    _no_horizontal_scroll(page)
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_api_docs_render_without_a_cdn(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/docs")
    expect(page.get_by_text("/api/auth/register").first).to_be_visible()
    expect(page.get_by_text("Unable to render this definition")).to_have_count(0)
