"""An entrant whose browser speaks French, in a real Chromium at 360 px: the entry editor's
labels, hints, status line and the notes beside unsaved fields are in French (with French
plurals), and so are "My entries" and the public ballot; axe finds nothing serious on them,
and no page asks for a text its catalogues lack."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import _client
from tests.factories import make_challenge

pytestmark = pytest.mark.browser

FORM = [
    {
        "key": "idea",
        "type": "long_text",
        "label": "Your idea",
        "required": True,
        "config": {"max_words": 50},
    }
]
WAIT = 20_000  # ms: long enough for a few rounds of the editor's back-off


@dataclass
class World:
    base: str
    slug: str
    entry_id: int
    cookie: str


@pytest.fixture(scope="module")
def world(live_server) -> Iterator[World]:
    """An open call (no public vote) with one question, and an entrant's empty draft."""
    base = live_server.url
    stamp = f"fr{int(time.time() * 1000)}"
    email = _people(live_server, {"org": "Olu Organiser", "awa": "Awa Diallo"}, stamp)
    slug = f"entrant-{stamp}"
    with _client(base, email["org"]) as org, _client(base, email["awa"]) as ent:
        make_challenge(org, slug, form=FORM)  # type: ignore[arg-type]
        r = ent.post(f"/api/challenges/{slug}/entries", json={"title": ""})
        assert r.status_code == 201, r.text
        yield World(base, slug, int(r.json()["id"]), ent.cookies["opencall_session"])


@pytest.fixture
def french(browser: Browser, world: World) -> Iterator[tuple[BrowserContext, Page, list[str]]]:
    """A French-speaking browser logged in as the entrant; script errors fail the test."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    context.add_cookies([{"name": "opencall_session", "value": world.cookie, "url": world.base}])
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A request failing while offline is expected; a script error (or a missing text) is not.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield context, page, errors
    context.close()
    assert errors == [], f"errors in the page: {errors}"


def _axe(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], (page.url, serious)


def test_a_french_entrant_edits_their_draft_in_french(french, world: World) -> None:
    context, page, _ = french
    page.goto(f"{world.base}/entry.html?id={world.entry_id}")
    title = page.get_by_label("Titre", exact=True)
    expect(title).to_be_visible()
    assert (page.evaluate("document.documentElement.lang") or "").startswith("fr")
    expect(page).to_have_title("Participation sans titre · OpenCall")
    expect(page.locator("#entry-heading")).to_have_text("Votre participation")
    expect(page.get_by_role("heading", name="À propos de votre participation")).to_be_visible()
    expect(page.get_by_label("Résumé")).to_be_visible()
    expect(page.locator("#f-title-hint")).to_have_text(
        "Un nom court pour votre idée. Jusqu’à 300 caractères."
    )
    expect(page.locator("#f-answers-idea-count")).to_have_text("0 mot sur 50")
    expect(page.locator("#state-facts")).to_contain_text("Brouillon : pas encore soumise")
    expect(page.locator("#editing-note")).to_have_text(re.compile("^Votre participation est"))
    expect(page.get_by_role("button", name="Soumettre la participation")).to_be_visible()
    expect(page.get_by_role("button", name="Ajouter un membre de l’équipe")).to_be_visible()
    expect(page.locator("#problem-count")).to_have_text(
        re.compile(r"^\d+ points à compléter avant de pouvoir soumettre$")
    )

    # Typing saves, and the status line says so in French, with the time.
    title.fill("Des kits dans les clubs de jeunes")
    expect(page.locator("#save-status")).to_have_text(
        re.compile(r"^Toutes les modifications sont enregistrées \(\d\d:\d\d\)\.$"), timeout=WAIT
    )

    # Offline: the count agrees with its noun, and the field says it is kept on the phone.
    context.set_offline(True)
    # The question's label is the organiser's own words, shown as written.
    page.get_by_label("Your idea").fill("Des pairs distribuent les kits.")
    expect(page.locator("#save-status")).to_have_text(
        "Hors ligne : 1 modification conservée sur cet appareil, "
        "elle sera envoyée dès votre retour en ligne.",
        timeout=WAIT,
    )
    expect(page.locator("#f-answers-idea-unsaved")).to_have_text(
        "Pas encore enregistré : conservé sur cet appareil"
    )
    expect(page.locator("#f-answers-idea-count")).to_have_text("5 mots sur 50")
    _axe(page)
    context.set_offline(False)
    expect(page.locator("#save-status")).to_have_text(
        re.compile("^Toutes les modifications sont enregistrées"), timeout=WAIT
    )
    expect(page.locator("#f-answers-idea-unsaved")).to_have_text("")


def test_my_entries_and_the_ballot_in_french(french, world: World) -> None:
    _, page, _ = french
    page.goto(f"{world.base}/my-entries.html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes participations")
    expect(page).to_have_title("Mes participations · OpenCall")
    card = page.locator("#entries li.card").first
    expect(card.locator(".status")).to_have_text("Brouillon")
    expect(card.locator("dt")).to_have_text(["Appel", "Dernier enregistrement"])
    expect(page.locator("#entries-status")).to_have_text("")
    _axe(page)

    page.goto(f"{world.base}/ballot.html?slug={world.slug}")
    expect(page.locator("#state-text")).to_have_text("Cet appel n’a pas de vote du public.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vote du public" + "HIV testing for young people"
    )
    expect(page.get_by_role("heading", name="Comment fonctionne le vote")).to_be_visible()
    expect(page).to_have_title("Vote du public · HIV testing for young people · OpenCall")
    _axe(page)
