"""Judging and screening in French, in a real Chromium at 360 px: a judge whose browser asks
for French sees their assignments and the scoring page in French (labels, buttons, the scale
with a French decimal comma, the save and submit status), and a screener sees the entries
table and an entry's dialog in French; axe finds nothing serious or critical on any of them."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url
from tests.browser.test_judge_scoring import PASSWORD, _blind_round_with_a_judge

pytestmark = pytest.mark.browser


def _axe(page: Page) -> None:
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
def french_page(browser: Browser, live_server) -> Iterator[Callable[[str], Page]]:
    """A page in its own fr-FR browser context, logged in as the given account; script
    errors fail the test."""
    contexts = []
    errors: list[str] = []

    def make(email: str) -> Page:
        context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
        contexts.append(context)
        base = live_server.url
        r = context.request.post(
            f"{base}/api/auth/login",
            data={"email": email, "password": PASSWORD},
            headers={"Origin": base},
        )
        assert r.status == 200, r.text()
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
    assert errors == []


def _screener(live_server, world: dict) -> tuple[str, str]:
    """A verified account made a screener of the judge's call; (its e-mail, the call's slug)."""
    base = live_server.url
    email = f"screener-{int(time.time() * 1000)}@example.org"
    with httpx.Client(base_url=base, headers={"Origin": base}) as client:
        r = client.post(
            "/api/auth/register",
            json={"email": email, "display_name": "Sami", "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        conn.execute(
            text('UPDATE "user" SET email_verified_at = created_at WHERE email = :e'),
            {"e": email},
        )
    engine.dispose()
    with httpx.Client(base_url=base, headers={"Origin": base}) as judge:
        r = judge.post("/api/auth/login", json={"email": world["judge"], "password": PASSWORD})
        assert r.status_code == 200, r.text
        slug = judge.get("/api/me/assignments").json()[0]["challenge_slug"]
    with httpx.Client(base_url=base, headers={"Origin": base}) as org:
        r = org.post("/api/auth/login", json={"email": world["organiser"], "password": PASSWORD})
        assert r.status_code == 200, r.text
        r = org.post(f"/api/challenges/{slug}/roles", json={"email": email, "role": "screener"})
        assert r.status_code == 201, r.text
    return email, slug


def test_a_french_judge_scores_in_french(
    french_page: Callable[[str], Page], live_server, smtp_server
) -> None:
    _, mailbox = smtp_server
    base = live_server.url
    world = _blind_round_with_a_judge(base, live_server.database_url, mailbox)
    first = world["references"][0]
    page = french_page(world["judge"])

    page.goto(f"{base}/judging.html")
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^fr"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes évaluations")
    expect(page).to_have_title("Mes évaluations · OpenCall")
    expect(page.get_by_text("Grilles de notation soumises : 0 sur 2")).to_be_visible()
    expect(page.get_by_text("Ouvert à la notation")).to_be_visible()
    expect(page.get_by_text("Grille : Pas commencée").first).to_be_visible()
    expect(page.locator(".round-window")).to_contain_text("Ouvert du ")
    expect(page.get_by_role("link", name="À propos de cet appel")).to_be_visible()
    _axe(page)

    page.get_by_role("link", name=f"Participation {first}").click()
    page.wait_for_url(re.compile(r".*/assignment\.html\?id=\d+$"))
    expect(page.get_by_role("heading", name="Votre grille de notation")).to_be_visible()
    expect(
        page.get_by_text("Ce tour est à l’aveugle : les noms des participants vous sont masqués.")
    ).to_be_visible()
    expect(page.locator("#round-facts")).to_contain_text("First round : Ouvert à la notation")
    expect(page.locator("#scorecard-status")).to_have_text("Pas encore commencée.")
    expect(page.get_by_role("group", name="Feasibility")).to_contain_text(
        "Note de 1 (la plus basse) à 10 (la plus haute) par pas de 0,5. Coefficient 1. "
        "« S.O. » si le critère ne s’applique pas à cette participation."
    )
    expect(page.get_by_label("Commentaire pour les organisateurs")).to_be_visible()
    expect(page.get_by_label("Retour pour le participant (facultatif)")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer maintenant")).to_be_visible()
    _axe(page)

    # Submitting too early: the summary's introduction is in French.
    page.get_by_role("button", name="Soumettre la grille").click()
    expect(page.locator("#submit-errors .summary-intro")).to_have_text(
        "La grille n’a pas été soumise. Complétez ce qui suit :"
    )

    page.get_by_role("group", name="Impact").get_by_role("radio", name="7", exact=True).check()
    save_state = page.locator("#save-state")
    expect(save_state).to_have_text(re.compile(r"^Enregistré à \d"))
    page.get_by_label("S.O. : ne s’applique pas à cette participation").check()
    expect(page.get_by_label("Note pour Feasibility")).to_be_disabled()
    page.get_by_label("Commentaire pour les organisateurs").fill("Solide et réaliste.")
    page.get_by_role("button", name="Enregistrer maintenant").click()
    expect(save_state).to_have_text(re.compile(r"^Enregistré à \d"))
    # The page's own saves leave the status line as it is (the time is in the line above):
    # a line growing with it moved the scores under the judge's finger.
    expect(page.locator("#scorecard-status")).to_have_text("Brouillon : pas encore soumise.")
    page.reload()
    expect(page.locator("#scorecard-status")).to_contain_text(
        "Brouillon : pas encore soumise. Dernier enregistrement le "
    )

    page.get_by_role("button", name="Soumettre la grille").click()
    done = page.locator("#submit-done")
    expect(done).to_contain_text(re.compile(r"^Grille soumise le .+\. Note pondérée : 7\. Merci\."))
    expect(done.get_by_role("link", name="Retour à mes évaluations")).to_be_visible()
    expect(page.locator("#scorecard-status")).to_contain_text("Soumise le ")
    expect(page.get_by_role("button", name="Soumettre la grille")).to_be_hidden()
    _axe(page)

    page.goto(f"{base}/judging.html")
    expect(page.get_by_text("Grilles de notation soumises : 1 sur 2")).to_be_visible()


def test_a_french_screener_sees_the_entries_in_french(
    french_page: Callable[[str], Page], live_server, smtp_server
) -> None:
    _, mailbox = smtp_server
    base = live_server.url
    world = _blind_round_with_a_judge(base, live_server.database_url, mailbox)
    email, slug = _screener(live_server, world)
    page = french_page(email)

    page.goto(f"{base}/entries-admin.html?slug={slug}")
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^fr"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Participations")
    nav = page.get_by_role("navigation", name="Les pages de cet appel")
    expect(nav.get_by_role("link", name="Participations")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Page publique")).to_be_visible()
    counts = page.locator("#counts")
    expect(counts.locator(".count-eligible")).to_have_text("2Éligibles")
    table = page.get_by_role("table")
    for header in ("Référence", "Titre", "Statut", "Présélection", "Canal", "Soumise par"):
        expect(table.get_by_role("columnheader", name=header)).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("Soumise")
    expect(table.locator("tbody tr").first).to_contain_text("Éligible")
    expect(table.locator("tbody tr").first).to_contain_text("En ligne")
    expect(page.locator("#entries-shown")).to_have_text("2 affichées.")
    expect(page.locator("#bulk-count")).to_have_text(
        "Aucune participation sélectionnée. Cochez d’abord des participations dans le tableau."
    )
    expect(
        page.get_by_role("button", name="Afficher les participations correspondantes")
    ).to_be_visible()
    _axe(page)

    table.locator(".row-check").first.check()
    expect(page.locator("#bulk-count")).to_have_text("1 participation sélectionnée.")

    page.get_by_test_id("open-entry").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=re.compile(r"^Participation "))).to_be_visible()
    expect(dialog.get_by_role("heading", name="Vérifications d’éligibilité")).to_be_visible()
    expect(dialog.get_by_role("heading", name="Modifier la décision d’examen")).to_be_visible()
    expect(dialog.get_by_role("button", name="Enregistrer la décision")).to_be_visible()
    expect(dialog.get_by_role("heading", name="Révisions")).to_be_visible()
    _axe(page)
    dialog.get_by_role("button", name="Fermer").click()
    expect(dialog).to_be_hidden()
