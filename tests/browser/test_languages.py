"""Languages in a real Chromium at 360 px: a French browser gets the call list and a call page
in French with French dates; the header's picker switches to Spanish and the choice survives
a reload; a logged-in person's choice is saved on the account and follows them to a fresh
browser; a page laid out right to left mirrors; axe finds nothing serious on French pages."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url
from tests.factories import make_challenge

pytestmark = pytest.mark.browser

PASSWORD = "language password"


def _account(live_server, email: str) -> None:
    """Registered through the API, verified in the database (organisers must be)."""
    base = live_server.url
    with httpx.Client(base_url=base, headers={"Origin": base}) as c:
        r = c.post(
            "/api/auth/register",
            json={"email": email, "display_name": email.split("@")[0], "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        conn.execute(
            text('UPDATE "user" SET email_verified_at = created_at WHERE email = :e'),
            {"e": email},
        )
    engine.dispose()


@contextmanager
def _client(base: str, email: str) -> Iterator[httpx.Client]:
    """The API as a logged-in account."""
    with httpx.Client(base_url=base, headers={"Origin": base}) as client:
        r = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        yield client


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Pages in separate browser contexts (locale as asked); script errors fail the test."""
    contexts = []
    errors: list[str] = []

    def make(locale: str | None = None, width: int = 360) -> Page:
        options = {"viewport": {"width": width, "height": 740}}
        if locale:
            options["locale"] = locale
        context = browser.new_context(**options)
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
    assert errors == [], f"errors in the page: {errors}"


def _checked(page: Page) -> None:
    """No horizontal scroll at 360 px, and no serious or critical axe violation."""
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
def call(live_server) -> str:
    """An open call with a deadline in December 2099, midnight less a minute in Lagos."""
    stamp = int(time.time() * 1000)
    organiser = f"lang-org{stamp}@example.org"
    _account(live_server, organiser)
    slug = f"langues-{stamp}"
    with _client(live_server.url, organiser) as c:
        make_challenge(
            c,  # type: ignore[arg-type]
            slug,
            title=f"Language call {stamp}",
            closes_at="2099-12-31T22:59:00+00:00",
            grace_minutes=5,
            max_team_size=1,
        )
    return slug


def test_a_french_browser_gets_french_pages(new_page, live_server, call) -> None:
    base = live_server.url
    page = new_page(locale="fr-FR")
    page.goto(f"{base}/challenges.html")
    expect(page.locator("html")).to_have_attribute("lang", "fr-FR")
    expect(page.get_by_role("heading", name="Appels ouverts", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Concours", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Rechercher", exact=True)).to_be_visible()
    expect(page).to_have_title("Appels ouverts · OpenCall")
    card = page.locator(".card", has=page.locator(f'a[href="/challenge.html?slug={call}"]'))
    expect(card.get_by_text("Ouvert aux participations")).to_be_visible()
    # The deadline in the call's zone, in French words: "31 décembre 2099 à 23:59 (Africa/Lagos)".
    expect(card.locator("time")).to_contain_text("décembre 2099")
    expect(card.locator("time")).to_contain_text("(Africa/Lagos)")
    _checked(page)

    card.get_by_role("link").click()
    page.wait_for_url(re.compile(rf".*/challenge\.html\?slug={call}$"))
    expect(page.get_by_role("heading", name="Date limite", exact=True)).to_be_visible()
    expect(
        page.get_by_role("link", name="Connectez-vous pour commencer une participation")
    ).to_be_visible()
    expect(page.locator("#countdown .countdown-text")).to_contain_text(re.compile(r"^Il reste \d"))
    expect(page.locator("#countdown .countdown-text")).to_contain_text("jours")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Délai de grâce")
    expect(timeline).to_contain_text("jusqu’à 5 minutes après la date limite")
    expect(page.locator("#submit-facts")).to_contain_text(
        "Participations individuelles uniquement."
    )
    expect(timeline.locator("time").nth(1)).to_contain_text(
        "31 décembre 2099 à 23:59 (Africa/Lagos)"
    )
    _checked(page)


def test_the_header_picker_switches_and_remembers(new_page, live_server, call) -> None:
    base = live_server.url
    page = new_page()
    page.goto(f"{base}/challenges.html")
    expect(page.get_by_role("heading", name="Open calls", exact=True)).to_be_visible()
    picker = page.get_by_role("combobox", name="Language", exact=True)
    expect(picker).to_have_value("en")
    assert picker.locator("option").all_inner_texts() == ["English", "Français", "Español"]
    picker.select_option("es")
    expect(page.get_by_role("heading", name="Convocatorias abiertas", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.reload()
    expect(page.get_by_role("heading", name="Convocatorias abiertas", exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Idioma", exact=True)).to_have_value("es")
    page.locator(f'a[href="/challenge.html?slug={call}"]').click()
    expect(page.get_by_role("heading", name="Plazo", exact=True)).to_be_visible()
    expect(
        page.get_by_role("link", name="Inicie sesión para empezar una propuesta")
    ).to_be_visible()

    # A shared link's ?lang= wins over the remembered choice, for that page.
    page.goto(f"{base}/challenges.html?lang=fr")
    expect(page.get_by_role("heading", name="Appels ouverts", exact=True)).to_be_visible()
    page.goto(f"{base}/challenges.html")
    expect(page.get_by_role("heading", name="Convocatorias abiertas", exact=True)).to_be_visible()


def test_the_account_language_follows_the_person(new_page, live_server) -> None:
    base = live_server.url
    email = f"lang-user{int(time.time() * 1000)}@example.org"
    _account(live_server, email)

    page = new_page()
    page.goto(f"{base}/login.html")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/account\.html$"))
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_role("combobox", name="Language", exact=True).select_option("es")
    expect(page.get_by_role("link", name="Cuenta", exact=True)).to_be_visible()
    with _client(base, email) as c:
        assert c.get("/api/auth/me").json()["language"] == "es"

    # A fresh browser whose language is English: the account's choice wins once logged in.
    page = new_page(locale="en-GB")
    page.goto(f"{base}/login.html")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    expect(page.get_by_role("heading", name="Log in", exact=True)).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/account\.html$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Cuenta", exact=True)).to_be_visible()
    page.goto(f"{base}/challenges.html")
    expect(page.get_by_role("heading", name="Convocatorias abiertas", exact=True)).to_be_visible()

    # The account page's own setting is the same one: French there, French everywhere.
    page.goto(f"{base}/account.html")
    page.get_by_label("Idioma de las páginas y del correo").select_option("fr")
    page.locator("#language-form [type=submit]").click()
    expect(page.get_by_role("heading", name="Votre compte", exact=True)).to_be_visible()
    with _client(base, email) as c:
        assert c.get("/api/auth/me").json()["language"] == "fr"
    _checked(page)


def test_right_to_left_mirrors_the_page(new_page, live_server, call) -> None:
    base = live_server.url
    page = new_page()
    page.goto(f"{base}/challenges.html")
    expect(page.locator(f'a[href="/challenge.html?slug={call}"]')).to_be_visible()
    page.evaluate("document.documentElement.dir = 'rtl'")
    width = page.viewport_size["width"]
    name = page.locator(".site-name").bounding_box()
    heading = page.get_by_role("heading", name="Open calls", exact=True).bounding_box()
    assert name and heading
    # Right to left, the site's name and the heading start at the right-hand edge.
    assert name["x"] + name["width"] > width * 0.75, name
    assert heading["x"] + heading["width"] > width * 0.9, heading
    assert heading["x"] > 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # And the same page left to right starts them at the left.
    page.evaluate("document.documentElement.dir = 'ltr'")
    name = page.locator(".site-name").bounding_box()
    assert name and name["x"] < width * 0.25, name
