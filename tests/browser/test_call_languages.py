"""A call in two languages, through the pages: the organiser translates the call and a form
question on the Languages page; a visitor reads it in French, with the untranslated parts
marked as English, switches to English, and starts an entry whose questions read in French;
the organiser deletes the translation and the call reads in English again."""

from __future__ import annotations

import re
import secrets
from typing import Any

from playwright.sync_api import expect

from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import (  # noqa: F401
    PASSWORD,
    _checked,
    _client,
    _log_in,
    new_page,
)
from tests.factories import make_challenge


def test_an_organiser_gives_the_call_in_french_and_readers_read_it(
    new_page: Any,  # noqa: F811
    live_server: Any,
) -> None:
    stamp = secrets.token_hex(3)
    slug = f"languages-{stamp}"
    email = _people(live_server, {"org": "Olu Organiser", "amina": "Amina"}, stamp)
    base = live_server.url
    with _client(base, email["org"]) as org:
        make_challenge(org, slug, description_md="An **open** call.")  # type: ignore[arg-type]

    organiser = new_page(locale="en-GB")
    _log_in(organiser, base, email["org"], f"/call-languages.html?slug={slug}")
    expect(
        organiser.get_by_text("The call is not given in any other language yet.")
    ).to_be_visible()
    _checked(organiser)
    organiser.get_by_label("Add a language").select_option("fr")
    organiser.get_by_role("button", name="Translate into this language").click()
    editor = organiser.locator("#editor-section")
    expect(editor.get_by_role("heading", name="The call in French (fr)")).to_be_focused()
    editor.get_by_label("Title").fill("Le dépistage du VIH pour les jeunes")
    editor.get_by_label("The question the call asks").fill("Comment rendre le dépistage facile ?")
    idea = editor.locator("fieldset.question-translation", has_text="Your idea")
    idea.get_by_label("Question").fill("Votre idée")
    gender = editor.locator("fieldset.question-translation", has_text="Gender")
    gender.get_by_label("Woman").fill("Femme")
    editor.get_by_role("button", name="Save the translation").click()
    expect(editor.get_by_role("status")).to_have_text("The French (fr) translation is saved.")
    expect(organiser.locator("#translation-list h3")).to_have_text(["French (fr)"])
    _checked(organiser)

    reader = new_page(locale="fr-FR")
    reader.goto(f"{base}/challenge.html?slug={slug}")
    title = reader.get_by_role("heading", level=1)
    expect(title).to_have_text("Le dépistage du VIH pour les jeunes")
    assert title.get_attribute("lang") == "fr"
    # The description was not translated: shown in English, marked as English, and said.
    assert reader.locator("#call-description").get_attribute("lang") == "en"
    expect(reader.locator("#call-untranslated")).to_contain_text("English")
    _checked(reader)
    reader.get_by_role("link", name="English").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("HIV testing for young people")
    reader.get_by_role("link", name="Français").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        "Le dépistage du VIH pour les jeunes"
    )
    # The list of calls finds it under its French title.
    reader.goto(f"{base}/challenges.html")
    expect(reader.get_by_role("link", name="Le dépistage du VIH pour les jeunes")).to_be_visible()

    # An entrant whose browser speaks French logs in, in French, and starts an entry.
    entrant = new_page(locale="fr-FR")
    entrant.goto(f"{base}/login.html?next=/challenge.html?slug={slug}")
    entrant.wait_for_load_state("networkidle")
    entrant.get_by_label("E-mail").fill(email["amina"])
    entrant.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    entrant.get_by_role("button", name="Se connecter").click()
    entrant.get_by_role("button", name="Commencer une participation").click()
    entrant.wait_for_url(re.compile(r".*/entry\.html\?id=\d+"))
    expect(entrant.get_by_label("Votre idée")).to_be_visible()
    expect(entrant.get_by_label("Femme")).to_be_visible()

    organiser.get_by_role("button", name="Delete the French (fr) translation").click()
    dialog = organiser.locator("#delete-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Delete the translation").click()
    expect(dialog).to_be_hidden()
    expect(
        organiser.get_by_text("The call is not given in any other language yet.")
    ).to_be_visible()
    reader.goto(f"{base}/challenge.html?slug={slug}")
    expect(reader.get_by_role("heading", level=1)).to_have_text("HIV testing for young people")
    expect(reader.locator("#call-languages")).to_be_hidden()
