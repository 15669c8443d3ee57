"""The main journey of calls and entries in a real Chromium at 360 px: an organiser launches
a call with a form and publishes it; a participant drafts an entry, uploads a file, submits
and sees the receipt; a screener marks it eligible. axe checks every page on the way."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 2000


def _account(base: str, email: str, name: str) -> None:
    """Register through the API and verify through the test mail server's link."""
    with httpx.Client(base_url=base, headers={"Origin": base}) as c:
        r = c.post(
            "/api/auth/register",
            json={"email": email, "display_name": name, "password": "journey password"},
        )
        assert r.status_code == 201, r.text


def _verify(base: str, mailbox, email: str) -> None:
    deadline = time.monotonic() + 20
    while not mailbox.to(email):
        assert time.monotonic() < deadline, f"no mail for {email}"
        time.sleep(0.1)
    text = mailbox.to(email)[0].get_body(preferencelist=("plain",)).get_content()
    token = re.search(r"verify\.html\?token=(\S+)", text).group(1)
    with httpx.Client(base_url=base, headers={"Origin": base}) as c:
        assert c.post("/api/auth/verify", json={"token": token}).status_code == 200


def _login(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login.html")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("journey password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/account\.html$"))


def _axe(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], page.url


def _new_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    return context.new_page()


def test_launch_enter_and_screen_a_call(
    browser: Browser, live_server, smtp_server, tmp_path
) -> None:
    _, mailbox = smtp_server
    base = live_server.url
    stamp = int(time.time() * 1000)
    organiser, entrant = f"org{stamp}@example.org", f"entrant{stamp}@example.org"
    slug = f"journey-{stamp}"
    for email, name in ((organiser, "Olu Organiser"), (entrant, "Esi Entrant")):
        _account(base, email, name)
        _verify(base, mailbox, email)

    # The organiser launches the call.
    page = _new_page(browser)
    _login(page, base, organiser)
    page.goto(f"{base}/manage.html")
    _axe(page)
    page.get_by_label("Title").fill("Journey call")
    page.get_by_label("Web address (optional)").fill(slug)
    page.get_by_label("Prompt (optional)").fill("How might we test the whole journey?")
    page.get_by_role("button", name="Create the call").click()
    page.wait_for_url(re.compile(rf".*/challenge-edit\.html\?slug={slug}$"))
    expect(page.get_by_label("Title", exact=True)).to_have_value("Journey call")
    _axe(page)
    page.get_by_label("Categories").fill("Community\nClinic")
    page.get_by_role("button", name="Save content").click()
    expect(page.get_by_text("saved", exact=False).first).to_be_visible()
    page.get_by_label("Opens", exact=True).fill("2020-01-01T09:00")
    page.get_by_label("Closes (deadline)").fill("2099-12-31T23:59")
    page.get_by_role("button", name="Save the timeline").click()
    expect(page.locator("#timeline-form [role=status]").first).not_to_be_empty()

    page.goto(f"{base}/form-builder.html?slug={slug}")
    _axe(page)
    page.get_by_label("Kind of question").select_option(label="File upload")
    page.get_by_label("Question", exact=True).fill("Poster")
    page.get_by_label("PDF").check()
    page.get_by_role("button", name="Add the question").click()
    expect(page.locator("#field-list li")).to_have_count(1)

    page.goto(f"{base}/challenge-edit.html?slug={slug}")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("#phase-now")).to_have_text(re.compile("open", re.IGNORECASE))

    # The participant finds it, drafts, uploads, submits and sees the receipt.
    page = _new_page(browser)
    _login(page, base, entrant)
    page.goto(f"{base}/challenges.html")
    _axe(page)
    page.get_by_role("link", name="Journey call").click()
    page.wait_for_url(re.compile(rf".*/challenge\.html\?slug={slug}$"))
    _axe(page)
    page.get_by_role("button", name="Start an entry").click()
    page.wait_for_url(re.compile(r".*/entry\.html\?id=\d+$"))
    _axe(page)
    page.get_by_label("Title", exact=True).fill("Peer-led testing days")
    page.get_by_label("Summary").fill("Young people run testing days in their own clubs.")
    page.get_by_label("Category").select_option("Community")
    poster = tmp_path / "poster.pdf"
    poster.write_bytes(PDF)
    page.locator("input[type=file]").set_input_files(str(poster))
    expect(page.get_by_text("poster.pdf").first).to_be_visible()
    page.get_by_label(re.compile("I agree to share my entry")).check()
    expect(page.get_by_text(re.compile("All changes saved"))).to_be_visible(timeout=15000)
    page.get_by_role("button", name="Submit entry").click()
    expect(page.get_by_text(re.compile(r"OC-0001|JOU-0001"))).to_be_visible()
    expect(page.get_by_role("button", name="Print receipt")).to_be_visible()
    _axe(page)
    page.goto(f"{base}/my-entries.html")
    expect(page.get_by_text("Peer-led testing days")).to_be_visible()
    _axe(page)

    # The organiser (here also the screener) marks it eligible.
    page = _new_page(browser)
    _login(page, base, organiser)
    page.goto(f"{base}/entries-admin.html?slug={slug}")
    _axe(page)
    page.get_by_role("button", name=re.compile("Peer-led testing days")).first.click()
    dialog = page.locator("#entry-dialog")
    expect(dialog.get_by_text("Peer-led testing days").first).to_be_visible()
    _axe(page)
    dialog.get_by_label("Eligible", exact=True).check()
    dialog.get_by_role("button", name="Save the decision").click()
    expect(dialog.get_by_text("Marked eligible.")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    with httpx.Client(base_url=base, headers={"Origin": base}) as api:
        api.post("/api/auth/login", json={"email": entrant, "password": "journey password"})
        mine = api.get("/api/me/entries").json()["items"][0]
    assert (mine["status"], mine["eligibility"]) == ("submitted", "eligible")
    page.goto(f"{base}/audit.html?slug={slug}")
    expect(page.get_by_text("entry.screen").first).to_be_visible()
    _axe(page)
