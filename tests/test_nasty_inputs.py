"""The nasty inputs, tried on the text people write into OpenCall: an entry's title, summary
and answers, a call's title, prompt and description, a committee member's affiliation, a
judge's feedback, a translation and a display name.

Text a person might really write — other scripts, emoji, right-to-left marks, Markdown,
HTML, SQL — is kept exactly as written (it is shown as text, never run: see
tests/browser/test_hostile_content.py). What no person writes gets a clear 422 naming the
field: text longer than the field takes (a draft keeps it and lists it among the problems to
fix before submitting), NUL, a body that is not UTF-8 or not JSON; a name
refuses invisible formatting characters (a right-to-left override can disguise it). Nothing
of a refused request is kept. File names are cleaned of paths. Huge and deeply nested JSON
and wrong content types are in tests/core/test_api_manners.py, NUL in tests/core/test_nul.py,
bombs and disguised files in tests/entries/test_uploads.py and tests/files/."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.db import utcnow
from tests.factories import COMPLETE, client_for, make_challenge, start_entry

# Written by people somewhere: each must come back exactly.
KEPT = [
    "Ọ̀rọ̀ àwọn ọ̀dọ́ — Yorùbá, العربية, हिन्दी, 中文, Ελληνικά",
    "Kits 🧪🩸 for everyone 👩🏾‍⚕️",
    "Right-to-left: \u202ecba\u202c and \u200fمرحبا\u200f",
    "**bold** _it_ [link](javascript:alert(1)) ![x](http://x/x.png)",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "'; DROP TABLE entry; -- \" OR 1=1 /*",
    "../../etc/passwd %00 \\\\server\\share",
    "Line one\nLine two\r\n\ttabbed",
]


@dataclass
class TextField:
    """A field someone writes: who writes it, how, and how to read it back."""

    name: str
    who: str
    write: Callable[[TestClient, dict[str, Any], str], Any]
    read: Callable[[TestClient, dict[str, Any]], str]
    max_length: int
    error_field: str
    # A draft keeps what is too long and lists it among its problems (nothing typed is lost);
    # elsewhere a value over the limit is refused.
    draft: bool = False


def _entry_write(field: str) -> Callable[[TestClient, dict[str, Any], str], Any]:
    def write(client: TestClient, ids: dict[str, Any], value: str) -> Any:
        body: dict[str, Any] = {field: value}
        if field == "idea":
            body = {"answers": {**COMPLETE["answers"], "idea": value}}
        return client.patch(f"/api/entries/{ids['entry']}", json=body)

    return write


def _entry_read(field: str) -> Callable[[TestClient, dict[str, Any]], str]:
    def read(client: TestClient, ids: dict[str, Any]) -> str:
        entry = client.get(f"/api/entries/{ids['entry']}").json()
        return entry["answers"].get("idea") if field == "idea" else entry[field]

    return read


def _call_write(field: str) -> Callable[[TestClient, dict[str, Any], str], Any]:
    return lambda client, ids, value: client.patch("/api/challenges/call", json={field: value})


def _call_read(field: str) -> Callable[[TestClient, dict[str, Any]], str]:
    return lambda client, ids: client.get("/api/challenges/call").json()[field]


FIELDS = [
    TextField(
        "entry title", "participant", _entry_write("title"), _entry_read("title"), 300, "title"
    ),
    TextField(
        "entry summary",
        "participant",
        _entry_write("summary"),
        _entry_read("summary"),
        20_000,
        "summary",
    ),
    TextField(
        "an answer",
        "participant",
        _entry_write("idea"),
        _entry_read("idea"),
        50_000,
        "answers.idea",
        draft=True,
    ),
    TextField("call title", "organiser", _call_write("title"), _call_read("title"), 200, "title"),
    TextField(
        "call prompt", "organiser", _call_write("prompt"), _call_read("prompt"), 500, "prompt"
    ),
    TextField(
        "call description",
        "organiser",
        _call_write("description_md"),
        _call_read("description_md"),
        20_000,
        "description_md",
    ),
    TextField(
        "committee member",
        "organiser",
        lambda c, ids, v: c.patch(
            f"/api/challenges/call/committee/{ids['member']}", json={"affiliation": v}
        ),
        lambda c, ids: next(
            m["affiliation"]
            for m in c.get("/api/challenges/call/committee").json()
            if m["id"] == ids["member"]
        ),
        300,
        "affiliation",
    ),
    TextField(
        "translation",
        "organiser",
        lambda c, ids, v: c.put("/api/challenges/call/translations/fr", json={"prompt": v}),
        lambda c, ids: c.get("/api/challenges/call/translations").json()[0]["prompt"],
        500,
        "prompt",
    ),
]


@pytest.fixture
def world(app: FastAPI) -> dict[str, Any]:
    organiser = client_for(app, "org@example.org")
    make_challenge(organiser, "call", max_entries_per_participant=10)
    participant = client_for(app, "p@example.org")
    entry = start_entry(participant, "call", COMPLETE)
    submitted = start_entry(participant, "call", COMPLETE)["id"]
    r = participant.post(f"/api/entries/{submitted}/submit")
    assert r.status_code == 200, r.text
    member = organiser.post("/api/challenges/call/committee", json={"name": "Ngozi"}).json()["id"]
    return {
        "clients": {"organiser": organiser, "participant": participant},
        "ids": {"entry": entry["id"], "submitted": submitted, "member": member},
    }


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.name)
def test_text_people_write_is_kept_exactly_and_the_rest_refused(
    world: dict[str, Any], field: TextField
) -> None:
    client, ids = world["clients"][field.who], world["ids"]
    for value in KEPT:
        value = value[: field.max_length]
        r = field.write(client, ids, value)
        assert r.status_code in (200, 201), (field.name, value, r.text)
        # Kept as written (a Windows line end may come back as a plain one).
        assert field.read(client, ids).replace("\r\n", "\n") == value.replace("\r\n", "\n"), value

    last = field.read(client, ids)
    too_long = "x" * (field.max_length + 1)
    refused = {"NUL": "before\x00after"}
    if field.draft:
        r = field.write(client, ids, too_long)
        assert r.status_code == 200, r.text
        problems = {p["field"]: p["message"] for p in r.json()["problems"]}
        assert field.error_field in problems, problems
        assert field.read(client, ids) == too_long  # kept, to be shortened before submitting
        last = too_long
    else:
        refused["too long"] = too_long
    for what, value in refused.items():
        r = field.write(client, ids, value)
        assert r.status_code == 422, (field.name, what, r.text)
        assert r.json()["error"]["field"].startswith(field.error_field), (what, r.json())
        assert field.read(client, ids) == last, f"{what}: the refused request changed it"


def test_a_body_that_is_not_utf8_is_refused_and_changes_nothing(world: dict[str, Any]) -> None:
    participant, ids = world["clients"]["participant"], world["ids"]
    before = participant.get(f"/api/entries/{ids['entry']}").json()["title"]
    r = participant.patch(
        f"/api/entries/{ids['entry']}",
        content=b'{"title": "caf\xe9 \xff"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422 and "not valid JSON" in r.json()["error"]["message"]
    assert participant.get(f"/api/entries/{ids['entry']}").json()["title"] == before


def test_names_refuse_what_would_disguise_them(app: FastAPI) -> None:
    """A display name is shown beside others' work: an override could make it read as
    someone else's (the text itself is fine anywhere else)."""
    person = client_for(app, "p@example.org")
    for sneaky in ("Ada\u202eecilA", "Ada\u200b", "Ada\x07", "Ada\nLovelace"):
        r = person.patch("/api/auth/me", json={"display_name": sneaky})
        assert r.status_code == 422, (sneaky, r.text)
        assert r.json()["error"]["field"] == "display_name"
    for fine in ("Ọlánrewájú Adébáyọ̀", "محمد", "李小龍 🐉"):
        r = person.patch("/api/auth/me", json={"display_name": fine})
        assert r.status_code == 200, r.text
        assert person.get("/api/auth/me").json()["display_name"] == fine


def test_a_judges_feedback_keeps_what_they_wrote(app: FastAPI) -> None:
    """Through the scorecard, the same text round-trips exactly (feedback may be released to
    entrants, who see it as text)."""
    from sqlmodel import Session, select

    from app.models import ChallengeRole, Judge, JudgeStatus, Membership, User

    organiser = client_for(app, "org@example.org")
    make_challenge(organiser, "call")
    participant = client_for(app, "p@example.org")
    entry_id = start_entry(participant, "call", COMPLETE)["id"]
    assert participant.post(f"/api/entries/{entry_id}/submit").status_code == 200
    organiser.post(f"/api/entries/{entry_id}/eligibility", json={"eligibility": "eligible"})
    judge = client_for(app, "judge@example.org")
    call_id = organiser.get("/api/challenges/call").json()["id"]
    with Session(app.state.engine) as session:
        user = session.exec(select(User).where(User.email == "judge@example.org")).one()
        row = Judge(
            challenge_id=call_id,
            user_id=user.id,
            email=user.email,
            display_name="J",
            status=JudgeStatus.active,
            accepted_at=utcnow(),
        )
        session.add(row)
        session.add(Membership(challenge_id=call_id, user_id=user.id, role=ChallengeRole.judge))
        session.commit()
        judge_id = row.id
    now = utcnow()
    round_body = {
        "name": "Round 1",
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(),
        "criteria": [{"name": "Impact", "preset": "1-10"}],
    }
    r = organiser.post("/api/challenges/call/rounds", json=round_body)
    assert r.status_code == 201, r.text
    round_id, criterion = r.json()["id"], r.json()["criteria"][0]
    r = organiser.post(
        f"/api/rounds/{round_id}/assignments", json={"entry_id": entry_id, "judge_id": judge_id}
    )
    assert r.status_code == 201, r.text
    assignment = r.json()["id"]
    values = [{"criterion_id": criterion["id"], "value": criterion["scale_min"]}]
    for value in KEPT:
        r = judge.put(
            f"/api/assignments/{assignment}/scorecard", json={"values": values, "feedback": value}
        )
        assert r.status_code == 200, r.text
        kept = judge.get(f"/api/assignments/{assignment}").json()["scorecard"]["feedback"]
        assert kept.replace("\r\n", "\n") == value.replace("\r\n", "\n")
    r = judge.put(
        f"/api/assignments/{assignment}/scorecard", json={"values": values, "feedback": "x" * 5001}
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "feedback"
