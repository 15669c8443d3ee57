"""A call's own content in several languages: organisers give its texts and form questions in
more languages; readers ask with ?lang= and get them, with what is left untranslated named."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import COMPLETE, anonymous, client_for, make_challenge, start_entry

URL = "/api/challenges/hiv-testing/translations"

FRENCH: dict[str, Any] = {
    "title": "Le dépistage du VIH pour les jeunes",
    "prompt": "Comment rendre le dépistage du VIH plus facile pour les jeunes ?",
    "description_md": "Un **appel** ouvert.<script>alert(1)</script>",
    "eligibility_text": "Ouvert aux jeunes de 15 à 24 ans.",
    "form": {
        "idea": {"label": "Votre idée", "help_text": "En 50 mots au plus."},
        "gender": {"label": "Genre", "choices": {"Woman": "Femme", "Man": "Homme"}},
    },
}


def _setup(app: FastAPI) -> TestClient:
    organiser = client_for(app, "org@example.org")
    make_challenge(organiser, description_md="An open **call**.", eligibility_text="Ages 15 to 24.")
    return organiser


def test_a_reader_gets_the_call_in_their_language_where_it_is_given(app: FastAPI) -> None:
    organiser = _setup(app)
    saved = organiser.put(f"{URL}/fr", json=FRENCH)
    assert saved.status_code == 200, saved.text
    html = saved.json()["description_html"]
    assert html.startswith("<p>Un <strong>appel</strong> ouvert.") and "<script" not in html

    visitor = anonymous(app)
    call = visitor.get("/api/challenges/hiv-testing", params={"lang": "fr"}).json()
    assert call["title"] == FRENCH["title"]
    assert call["prompt"] == FRENCH["prompt"]
    assert "<strong>appel</strong>" in call["description_html"]
    assert call["description_html"] == html  # sanitised like the original
    assert (call["content_language"], call["original_language"]) == ("fr", "en")
    assert call["translations"] == ["fr"]
    # What the translation leaves empty is shown in English, and named so a page can mark it.
    assert call["formats_text"] == "" and "formats_text" not in call["untranslated"]
    assert call["untranslated"] == []

    # A regional variant finds the language; a language the call lacks gets the original.
    canadian = visitor.get("/api/challenges/hiv-testing", params={"lang": "fr-CA"}).json()
    assert (canadian["title"], canadian["content_language"]) == (FRENCH["title"], "fr")
    for lang in ("es", "en", "en-GB", None):
        call = visitor.get("/api/challenges/hiv-testing", params={"lang": lang} if lang else {})
        body = call.json()
        assert (body["title"], body["content_language"]) == ("HIV testing for young people", "en")
        assert body["translations"] == ["fr"]


def test_untranslated_texts_keep_the_original_and_are_named(app: FastAPI) -> None:
    organiser = _setup(app)
    organiser.put(f"{URL}/sw", json={"title": "Upimaji wa VVU kwa vijana"})
    call = anonymous(app).get("/api/challenges/hiv-testing?lang=sw").json()
    assert call["title"] == "Upimaji wa VVU kwa vijana"
    assert call["eligibility_text"] == "Ages 15 to 24."
    assert sorted(call["untranslated"]) == ["description_md", "eligibility_text", "prompt"]


def test_lists_show_titles_in_the_readers_language_and_search_them(app: FastAPI) -> None:
    organiser = _setup(app)
    make_challenge(organiser, slug="malaria", title="Malaria nets in schools")
    organiser.put(f"{URL}/fr", json=FRENCH)
    visitor = anonymous(app)
    items = visitor.get("/api/challenges", params={"lang": "fr"}).json()["items"]
    shown = {item["slug"]: (item["title"], item["content_language"]) for item in items}
    assert shown == {
        "hiv-testing": (FRENCH["title"], "fr"),
        "malaria": ("Malaria nets in schools", "en"),
    }
    found = visitor.get("/api/challenges", params={"q": "dépistage"}).json()["items"]
    assert [item["slug"] for item in found] == ["hiv-testing"]


def test_the_form_reads_in_the_language_and_answers_keep_the_original_choices(
    app: FastAPI,
) -> None:
    organiser = _setup(app)
    organiser.put(f"{URL}/fr", json=FRENCH)
    form = anonymous(app).get("/api/challenges/hiv-testing/form?lang=fr").json()
    assert form["content_language"] == "fr"
    fields = {field["key"]: field for field in form["fields"]}
    assert (fields["idea"]["label"], fields["idea"]["help_text"]) == (
        "Votre idée",
        "En 50 mots au plus.",
    )
    assert fields["gender"]["config"]["options"] == [
        ["Woman", "Femme"],
        ["Man", "Homme"],
        ["Non-binary", "Non-binary"],
        ["Prefer not to say", "Prefer not to say"],
    ]
    assert fields["budget"]["label"] == "Budget"  # not translated: the original
    english = anonymous(app).get("/api/challenges/hiv-testing/form").json()
    assert english["content_language"] == "en"
    assert next(f for f in english["fields"] if f["key"] == "idea")["label"] == "Your idea"

    participant = client_for(app, "p@example.org")
    draft = start_entry(participant)
    answers = {**COMPLETE["answers"], "gender": "Femme"}
    shown = participant.patch(f"/api/entries/{draft['id']}", json={"answers": answers})
    assert "answers.gender" in [problem["field"] for problem in shown.json()["problems"]]
    answers["gender"] = "Woman"
    kept = participant.patch(f"/api/entries/{draft['id']}", json={"answers": answers})
    assert "answers.gender" not in [problem["field"] for problem in kept.json()["problems"]]


def test_bad_translations_are_refused_naming_the_field(app: FastAPI) -> None:
    organiser = _setup(app)
    cases = [
        ("fr", {"form": {"nope": {"label": "Non"}}}, 422, "form.nope"),
        ("fr", {"form": {"idea": {"choices": {"A": "B"}}}}, 422, "form.idea.choices"),
        ("fr", {"form": {"gender": {"choices": {"Femme": "F"}}}}, 422, "form.gender.choices"),
        ("fr", {"title": "x" * 201}, 422, "title"),
        ("fr", {"colour": "red"}, 422, "colour"),
        ("en", {"title": "Again"}, 409, "language"),
    ]
    for language, body, status, field in cases:
        r = organiser.put(f"{URL}/{language}", json=body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]["field"] == field, r.json()
    for tag in ("f", "french!", "x" * 30, "../etc"):
        r = organiser.put(f"{URL}/{tag}", json={"title": "T"})
        assert r.status_code in (404, 422), (tag, r.status_code)
    assert organiser.get(URL).json() == []
    bad_lang = anonymous(app).get("/api/challenges/hiv-testing", params={"lang": "<b>"})
    assert bad_lang.status_code == 422 and bad_lang.json()["error"]["field"] == "lang"


def test_saving_replaces_deleting_removes_and_both_are_audited(app: FastAPI) -> None:
    organiser = _setup(app)
    assert organiser.put(f"{URL}/PT-br", json={"title": "Testagem"}).json()["language"] == "pt-BR"
    organiser.put(f"{URL}/pt-BR", json={"title": "Testagem de HIV", "prompt": "Como?"})
    listed = organiser.get(URL).json()
    assert [(t["language"], t["title"], t["prompt"]) for t in listed] == [
        ("pt-BR", "Testagem de HIV", "Como?")
    ]
    # The original language cannot move onto a language that has a translation.
    moved = organiser.patch("/api/challenges/hiv-testing", json={"original_language": "pt-BR"})
    assert moved.status_code == 409 and moved.json()["error"]["field"] == "original_language"
    assert organiser.delete(f"{URL}/pt-BR").status_code == 204
    assert organiser.delete(f"{URL}/pt-BR").status_code == 404
    assert organiser.get(URL).json() == []
    events = organiser.get("/api/challenges/hiv-testing/audit").json()["items"]
    actions = [e["action"] for e in events if e["action"].startswith("challenge.translation")]
    assert actions.count("challenge.translation.save") == 2
    assert actions.count("challenge.translation.delete") == 1
    moved = organiser.patch("/api/challenges/hiv-testing", json={"original_language": "pt-BR"})
    assert moved.status_code == 200 and moved.json()["original_language"] == "pt-BR"


def test_a_clone_keeps_the_translations(app: FastAPI) -> None:
    organiser = _setup(app)
    organiser.put(f"{URL}/fr", json=FRENCH)
    r = organiser.post(
        "/api/challenges/hiv-testing/clone", json={"slug": "hiv-2028", "title": "HIV 2028"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["translations"] == ["fr"]
    copy = organiser.get("/api/challenges/hiv-2028/translations").json()
    assert copy[0]["form"]["gender"]["choices"] == {"Woman": "Femme", "Man": "Homme"}


def test_only_the_calls_organisers_manage_its_translations(app: FastAPI) -> None:
    organiser = _setup(app)
    stranger = client_for(app, "stranger@example.org")
    visitor = anonymous(app)
    for client, status in ((visitor, 401), (stranger, 403)):
        assert client.get(URL).status_code == status
        assert client.put(f"{URL}/fr", json={"title": "Non"}).status_code == status
        assert client.delete(f"{URL}/fr").status_code == status
    assert organiser.get(URL).json() == []
