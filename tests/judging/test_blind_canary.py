"""Blind rounds leak nothing: a canary planted in every identifying place of an entry (the
entrant's name and e-mail, the team's names and e-mails, fields marked identifying, the
demographic answers, the uploaders' file names, document and image metadata) never reaches
the judge, through any route they can call or any file they can download."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from fastapi import FastAPI
from PIL import Image, PngImagePlugin

from app.main import create_app
from tests.factories import COMPLETE, FORM, client_for, make_challenge, start_entry
from tests.files.test_blind import CANARY, _docx, _pdf
from tests.judging.world import accept_judges

FIELDS = [
    *FORM,
    {"key": "organisation", "type": "short_text", "label": "Organisation", "identifying": True},
    {"key": "about", "type": "short_text", "label": "About you", "demographic": True},
    {
        "key": "plan",
        "type": "file",
        "label": "Work plan",
        "config": {"accept": ["word"], "max_size_mb": 1, "max_files": 1},
    },
]


def _png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", CANARY)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def _word_file() -> bytes:
    """The planted DOCX with its parts in the order Word writes them (the word/ parts before
    docProps/), which is how a zip is told to be a Word document."""
    source = zipfile.ZipFile(io.BytesIO(_docx()))
    names = sorted(
        source.namelist(),
        key=lambda n: (not n.startswith("["), not n.startswith("_rels"), not n.startswith("word/")),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            target.writestr(name, source.read(name))
    return buffer.getvalue()


def _leaks(data: bytes) -> bool:
    """Whether the canary is in these bytes, or in any member of a zip they hold."""
    needle = CANARY.lower().encode()
    if needle in data.lower():
        return True
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(needle in archive.read(name).lower() for name in archive.namelist())
    return False


def _fill(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(ids.get(m.group(1), 1)), path)


def test_nothing_identifying_reaches_a_judge_of_a_blind_round(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, form=FIELDS)
    entrant = client_for(app, f"{CANARY.lower()}@example.org", name=f"{CANARY} Person")
    entry = start_entry(entrant)
    entry_id = entry["id"]
    body = {
        **COMPLETE,
        "answers": {**COMPLETE["answers"], "organisation": f"{CANARY} NGO", "about": CANARY},
        "team": [{"name": f"{CANARY} Teammate", "email": f"mate@{CANARY.lower()}.org"}],
    }
    assert entrant.patch(f"/api/entries/{entry_id}", json=body).status_code == 200
    for field, name, data in (
        ("poster", f"{CANARY} poster.pdf", _pdf()),
        ("poster", f"{CANARY} photo.png", _png()),
        ("plan", f"{CANARY} plan.docx", _word_file()),
    ):
        r = entrant.post(
            f"/api/entries/{entry_id}/attachments",
            params={"field": field, "filename": name},
            content=data,
        )
        assert r.status_code == 201, r.text
    assert entrant.post(f"/api/entries/{entry_id}/submit").status_code == 200
    org.post(f"/api/entries/{entry_id}/eligibility", json={"eligibility": "eligible"})
    # The organisers see every planted canary: the test would be empty otherwise.
    staff_view = org.get(f"/api/entries/{entry_id}").content
    assert staff_view.count(CANARY.encode()) >= 6

    judges, judge_ids = accept_judges(app, org, mailbox, ["ada"])
    judge = judges["ada"]
    round_ = org.post(
        "/api/challenges/hiv-testing/rounds",
        json={
            "name": "Blind review",
            "judges_per_entry": 1,
            "blind": True,
            "criteria": [{"name": "Impact", "preset": "1-10"}],
        },
    ).json()
    org.patch(
        f"/api/rounds/{round_['id']}",
        json={"opens_at": "2020-01-01T00:00:00Z", "closes_at": "2099-01-01T00:00:00Z"},
    )
    assert org.post(f"/api/rounds/{round_['id']}/assign", json={}).json()["pairs"] == 1
    [mine] = judge.get("/api/me/assignments").json()
    detail = judge.get(f"/api/assignments/{mine['id']}").json()
    files = detail["entry"]["files"]
    assert [f["withheld"] for f in files] == [None, None, None]
    assert detail["entry"]["answers"] and detail["entry"]["team"] is None

    bodies: dict[str, bytes] = {}
    for f in files:
        response = judge.get(f["url"])
        assert response.status_code == 200, response.text
        bodies[f["url"]] = response.content + response.headers["content-disposition"].encode()
    ids = {
        "slug": "hiv-testing",
        "assignment_id": mine["id"],
        "round_id": round_["id"],
        "entry_id": entry_id,
        "file_id": files[0]["id"],
        "attachment_id": files[0]["id"],
        "judge_id": judge_ids["ada"],
        "criterion_id": round_["criteria"][0]["id"],
    }
    probe = create_app()
    paths = probe.openapi()["paths"]
    probe.state.engine.dispose()
    for path, operations in paths.items():
        if "get" in operations:
            url = _fill(path, ids)
            bodies[url] = judge.get(url).content
    criterion = round_["criteria"][0]["id"]
    scorecard = f"/api/assignments/{mine['id']}/scorecard"
    bodies[scorecard] = judge.put(
        scorecard, json={"values": [{"criterion_id": criterion, "value": 6}]}
    ).content
    bodies[f"{scorecard}/submit"] = judge.post(f"{scorecard}/submit").content

    assert len(bodies) > 30
    assert [url for url, data in bodies.items() if _leaks(data)] == []
    # The same walk as the organiser finds the canary: the walk does reach the entry.
    assert _leaks(org.get(f"/api/entries/{entry_id}").content)
