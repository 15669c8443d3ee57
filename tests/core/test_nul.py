"""NUL (U+0000) is refused wherever a client can send it, naming where (PostgreSQL cannot
store it, and no person types it): in a JSON body's text or keys, in the address's query or
path. Nothing is stored from such a request; text that only looks like it ("\\u0000" typed
with its backslash) is kept exactly."""

from __future__ import annotations

import json

from fastapi import FastAPI

from tests.factories import anonymous, client_for, make_challenge, start_entry


def test_nul_is_refused_wherever_it_comes_and_nothing_is_kept(app: FastAPI) -> None:
    organiser = client_for(app, "org@example.org")
    make_challenge(organiser)
    participant = client_for(app, "p@example.org")
    entry = start_entry(participant, body={"title": "Before"})
    url = f"/api/entries/{entry['id']}"
    cases = [
        (participant, "PATCH", url, {"title": "a\x00b"}, "title"),
        (participant, "PATCH", url, {"title": "ok", "answers": {"idea": "z\x00"}}, "answers.idea"),
        (participant, "PATCH", url, {"answers": {"id\x00ea": "z"}}, "answers.id\x00ea"),
        (
            participant,
            "PATCH",
            url,
            {"team": [{"name": "A", "email": None}, {"name": "\x00"}]},
            "team.1.name",
        ),
        (organiser, "PATCH", "/api/challenges/hiv-testing", {"prompt": "x\x00y"}, "prompt"),
    ]
    for client, method, path, body, field in cases:
        r = client.request(
            method, path, content=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422, (body, r.text)
        error = r.json()["error"]
        assert (error["code"], error["field"]) == ("validation_error", field)
        assert "NUL" in error["message"]
    kept = participant.get(url).json()
    assert (kept["title"], kept["answers"].get("idea")) == ("Before", None)
    prompt = organiser.get("/api/challenges/hiv-testing").json()["prompt"]
    assert "\x00" not in prompt

    visitor = anonymous(app)
    r = visitor.get("/api/challenges", params={"q": "HIV\x00"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "q")
    r = visitor.get("/api/challenges/hiv%00testing")
    assert (r.status_code, r.json()["error"]["field"]) == (422, "path")

    # A backslash followed by "u0000" is text like any other.
    typed = "C:\\u0000\\new"
    r = participant.patch(url, json={"title": typed})
    assert r.status_code == 200, r.text
    assert participant.get(url).json()["title"] == typed
