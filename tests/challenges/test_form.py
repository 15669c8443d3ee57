"""The entry form: typed fields with checked settings, locked once entries are submitted."""

from __future__ import annotations

from fastapi import FastAPI

from tests.factories import anonymous, client_for, make_challenge, start_entry, submitted_entry


def test_field_settings_are_checked_per_type(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, form=[])
    cases = [
        ({"type": "choice", "label": "Pick", "config": {}}, "config.choices"),
        ({"type": "choice", "label": "Pick", "config": {"choices": ["A", "A"]}}, "config.choices"),
        ({"type": "file", "label": "File", "config": {"accept": ["exe"]}}, "config.accept"),
        ({"type": "money", "label": "Budget", "config": {"currency": "pounds"}}, "config.currency"),
        ({"type": "number", "label": "Age", "config": {"min": 30, "max": 18}}, "config"),
        (
            {"type": "long_text", "label": "Idea", "config": {"max_words": 10, "colour": "red"}},
            "config.colour",
        ),
    ]
    for body, field in cases:
        r = org.post("/api/challenges/hiv-testing/form/fields", json=body)
        assert r.status_code == 422, body
        assert r.json()["error"]["field"] == field, r.json()
    ok = org.post(
        "/api/challenges/hiv-testing/form/fields",
        json={"type": "long_text", "label": "Your idea!", "config": {"max_words": 500}},
    )
    assert ok.status_code == 201
    assert (ok.json()["key"], ok.json()["config"]) == ("your_idea", {"max_words": 500})
    second = org.post(
        "/api/challenges/hiv-testing/form/fields", json={"type": "short_text", "label": "Your idea"}
    )
    assert second.json()["key"] == "your_idea_2"
    assert second.json()["config"] == {"max_length": 300}


def test_form_is_public_with_its_version(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    form = anonymous(app).get("/api/challenges/hiv-testing/form").json()
    assert (form["version"], form["locked"]) == (7, False)  # six fields added, one version each
    gender = next(f for f in form["fields"] if f["key"] == "gender")
    assert (gender["demographic"], gender["show_to_judges"]) == (True, False)


def test_form_locks_at_the_first_submission(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    participant = client_for(app, "p@example.org")
    draft = start_entry(participant)
    idea = next(
        f
        for f in org.get("/api/challenges/hiv-testing/form").json()["fields"]
        if f["key"] == "idea"
    )
    # Before any submission the form changes freely.
    assert (
        org.patch(
            f"/api/challenges/hiv-testing/form/fields/{idea['id']}", json={"label": "The idea"}
        ).status_code
        == 200
    )
    submitted_entry(client_for(app, "q@example.org"))
    form = org.get("/api/challenges/hiv-testing/form").json()
    assert form["locked"] is True
    for response in (
        org.patch(
            f"/api/challenges/hiv-testing/form/fields/{idea['id']}", json={"label": "Changed"}
        ),
        org.delete(f"/api/challenges/hiv-testing/form/fields/{idea['id']}"),
        org.post(
            "/api/challenges/hiv-testing/form/fields",
            json={"type": "short_text", "label": "New", "required": True},
        ),
    ):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "form_locked"
    added = org.post(
        "/api/challenges/hiv-testing/form/fields", json={"type": "url", "label": "Video link"}
    )
    assert added.status_code == 201
    assert added.json()["version_added"] == form["version"] + 1
    # A draft saved now is tied to the new version; the submitted entry keeps its own.
    saved = participant.patch(f"/api/entries/{draft['id']}", json={"title": "Later"}).json()
    assert saved["form_version"] == form["version"] + 1


def test_only_organisers_build_the_form(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, form=[])
    other = client_for(app, "other@example.org")
    body = {"type": "short_text", "label": "Name"}
    assert other.post("/api/challenges/hiv-testing/form/fields", json=body).status_code == 403
    assert (
        anonymous(app).post("/api/challenges/hiv-testing/form/fields", json=body).status_code == 401
    )
    assert org.post("/api/challenges/hiv-testing/form/fields", json=body).status_code == 201
