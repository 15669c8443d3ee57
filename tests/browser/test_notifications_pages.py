"""Notifications in a real Chromium at 360 px, each person in their own browser. An entrant
turns organisers' messages and deadline reminders off and chooses French on the account page,
and finds the choices kept after a reload. The organiser writes to everyone who submitted an
entry on the Broadcasts page: the preview names the two entrants and shows the message as
they will read it; sending asks first; the real SMTP server receives it for the one entrant
who still takes such mail, and after a refresh the page counts one sent and one with e-mail
turned off. The other entrant stops these e-mails from the link in the mail (opening it
changes nothing until the button is pressed); the first sees the message on the
notifications page, with the unread count in the header until it is read. axe and the 360 px
check on every page."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url
from tests.factories import make_challenge, submitted_entry

pytestmark = pytest.mark.browser

PASSWORD = "notifications password"
SUBJECT = "The deadline moves to 30 April"
BODY = "Good news: you have **two more weeks**.\n\nSee the [call page](https://example.org/call)."


@contextmanager
def _client(base: str, email: str | None = None) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, headers={"Origin": base}) as client:
        if email:
            r = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            assert r.status_code == 200, r.text
        yield client


def _checked(page: Page) -> None:
    """No horizontal page scroll at 360 px, and no serious or critical axe violation."""
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], (page.url, serious)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Pages in separate browser contexts (one person each); script errors fail the test."""
    contexts = []
    errors: list[str] = []

    def make() -> Page:
        context = browser.new_context(viewport={"width": 360, "height": 740})
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


def _wait_for_mail(mailbox: Any, address: str) -> str:
    deadline = time.monotonic() + 20
    while True:
        for message in mailbox.to(address):
            if message["Subject"] == SUBJECT:
                return message.get_body(preferencelist=("plain",)).get_content()
        assert time.monotonic() < deadline, f"no broadcast reached {address}"
        time.sleep(0.1)


def _setup(live_server: Any, stamp: int) -> tuple[str, dict[str, str]]:
    """The organiser's call and two entrants with a submitted entry each (API)."""
    base = live_server.url
    slug = f"messages-{stamp}"
    people = {
        "organiser": (f"org-nt{stamp}@example.org", "Olu Organiser"),
        "amina": (f"amina-nt{stamp}@example.org", "Amina Okafor"),
        "bola": (f"bola-nt{stamp}@example.org", "Bola Adeyemi"),
    }
    with _client(base) as anon:
        for email, name in people.values():
            r = anon.post(
                "/api/auth/register",
                json={"email": email, "display_name": name, "password": PASSWORD},
            )
            assert r.status_code == 201, r.text
    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        for email, _ in people.values():
            conn.execute(
                text('UPDATE "user" SET email_verified_at = created_at WHERE email = :e'),
                {"e": email},
            )
    engine.dispose()
    email = {key: address for key, (address, _) in people.items()}
    with _client(base, email["organiser"]) as org:
        make_challenge(org, slug)  # type: ignore[arg-type]
    for name in ("amina", "bola"):
        with _client(base, email[name]) as entrant:
            submitted_entry(entrant, slug)  # type: ignore[arg-type]
            # The receipt's notice is read: the broadcast is then the one unread.
            assert entrant.post("/api/me/notifications/read-all").status_code == 200
    return slug, email


def test_preferences_and_a_broadcast_delivered(new_page, live_server, smtp_server) -> None:
    _, mailbox = smtp_server
    base = live_server.url
    slug, email = _setup(live_server, int(time.time() * 1000))
    organisers_messages = "Messages from the organisers of calls you take part in"

    # Amina turns two kinds of e-mail off and chooses French; the choices survive a reload.
    amina = new_page()
    _log_in(amina, base, email["amina"], "/account.html")
    expect(amina.get_by_role("heading", name="E-mail you get")).to_be_visible()
    expect(amina.get_by_label(organisers_messages)).to_be_checked()
    amina.get_by_label(organisers_messages).uncheck()
    amina.get_by_label("Deadline reminders (7 days and 24 hours before)").uncheck()
    amina.get_by_role("button", name="Save e-mail choices").click()
    expect(amina.get_by_text("Your e-mail choices are saved.")).to_be_visible()
    amina.reload()
    expect(amina.get_by_label(organisers_messages)).not_to_be_checked()
    expect(
        amina.get_by_label("Deadline reminders (7 days and 24 hours before)")
    ).not_to_be_checked()
    expect(amina.get_by_label("Reminders of scorecards due")).to_be_checked()
    amina.get_by_text("Messages that always come").click()
    expect(amina.get_by_text("Receipt for each entry you submit")).to_be_visible()
    _checked(amina)

    # The organiser previews and sends a message to everyone who submitted an entry.
    org = new_page()
    _log_in(org, base, email["organiser"], f"/exports.html?slug={slug}")
    org.get_by_role("link", name="Broadcasts", exact=True).click()
    org.wait_for_url(re.compile(r".*/broadcasts\.html\?slug="))
    expect(org.locator("#sent-empty")).to_be_visible()
    org.get_by_label("Everyone who submitted an entry").check()
    org.get_by_label("Subject").fill(SUBJECT)
    org.get_by_label("Message", exact=True).fill(BODY)
    org.get_by_role("button", name="Preview").click()
    expect(org.locator("#preview-count")).to_have_text(
        "This goes to 2 people: everyone who submitted an entry."
    )
    expect(org.locator("#preview-sample li")).to_have_text(["Amina Okafor", "Bola Adeyemi"])
    expect(org.locator("#preview-subject")).to_have_text(SUBJECT)
    frame = org.frame_locator("#preview-frame")
    expect(frame.locator("strong")).to_have_text("two more weeks")
    expect(frame.get_by_role("link", name="call page")).to_have_attribute(
        "href", "https://example.org/call"
    )
    _checked(org)
    # Changing the message asks for a new preview before it can be sent.
    org.get_by_label("Subject").fill(SUBJECT + "!")
    expect(org.get_by_role("button", name="Send to 2 people")).to_be_hidden()
    org.get_by_label("Subject").fill(SUBJECT)
    org.get_by_role("button", name="Preview").click()
    org.get_by_role("button", name="Send to 2 people").click()
    dialog = org.get_by_role("dialog")
    expect(dialog).to_contain_text(f"“{SUBJECT}” goes to 2 people")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    org.get_by_role("button", name="Send to 2 people").click()
    dialog.get_by_role("button", name="Send now").click()
    expect(org.get_by_text("Sent to 2 people.")).to_be_visible()
    card = org.get_by_test_id("broadcast")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading")).to_have_text(SUBJECT)

    # Delivered: Bola's mail reaches the SMTP server, Amina's is not sent (she turned it off).
    mail = _wait_for_mail(mailbox, email["bola"])
    assert "Good news: you have **two more weeks**." in mail
    deadline = time.monotonic() + 20
    while "Sent: 1" not in card.inner_text():
        assert time.monotonic() < deadline, card.inner_text()
        org.get_by_role("button", name="Refresh").click()
        expect(org.locator("#sent-status")).to_have_text("Delivery counts refreshed.")
        time.sleep(0.3)
    counts = card.get_by_role("list", name="Delivery").get_by_role("listitem")
    expect(counts).to_have_text(
        ["Recipients: 2", "Sent: 1", "Waiting: 0", "Failed: 0", "E-mail turned off: 1"]
    )
    assert [m["Subject"] for m in mailbox.to(email["amina"])].count(SUBJECT) == 0
    _checked(org)

    # Bola stops these e-mails from the link in the mail; opening it alone changes nothing.
    link = re.search(r"(http://\S+/api/unsubscribe\?token=\S+)", mail)
    assert link is not None
    bola = new_page()
    bola.goto(link.group(1))
    bola.wait_for_url(re.compile(r".*/unsubscribe\.html\?token="))
    expect(bola.get_by_text(organisers_messages)).to_be_visible()
    with _client(base, email["bola"]) as client:
        kinds = client.get("/api/me/mail-preferences").json()["kinds"]
        assert {k["kind"]: k["enabled"] for k in kinds}["broadcast"] is True
    _checked(bola)
    bola.get_by_role("button", name="Stop these e-mails").click()
    expect(bola.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    expect(bola.get_by_role("status")).to_contain_text("you will no longer get this by e-mail")
    expect(bola.get_by_role("link", name="Choose which e-mail you get")).to_be_visible()
    with _client(base, email["bola"]) as client:
        kinds = client.get("/api/me/mail-preferences").json()["kinds"]
        assert {k["kind"]: k["enabled"] for k in kinds}["broadcast"] is False

    # Amina sees the message on her notifications page, unread until she marks it read.
    amina.goto(f"{base}/account.html")
    nav_link = amina.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(nav_link).to_have_text(re.compile(r"Notifications\s+1 unread"))
    nav_link.click()
    amina.wait_for_url(re.compile(r".*/notifications\.html$"))
    item = amina.get_by_test_id("notification").filter(has_text=SUBJECT)
    expect(item).to_contain_text("you have **two more weeks**")
    expect(item.locator("time")).to_have_text(re.compile(r"\d{4}.*(GMT|UTC|[A-Z]{2,})"))
    _checked(amina)
    item.get_by_role("button", name="Mark as read").click()
    expect(item.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(nav_link).to_have_text("Notifications")
    amina.reload()
    expect(amina.get_by_role("button", name="Mark all as read")).to_be_disabled()

    # The account's one language, for mail and pages alike: French switches the page too.
    amina.goto(f"{base}/account.html")
    amina.get_by_label("Language for pages and e-mail").select_option("fr")
    amina.get_by_role("button", name="Save language").click()
    expect(amina.get_by_role("heading", name="Votre compte")).to_be_visible()
    expect(amina.get_by_label("Langue des pages et des e-mails")).to_have_value("fr")
    with _client(base, email["amina"]) as client:
        assert client.get("/api/me/mail-preferences").json()["language"] == "fr"
