"""The judging panel: invitations by e-mail, acceptance, and the conflict register."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.conftest import deliver_mail
from tests.factories import (
    COMPLETE,
    client_for,
    login,
    make_challenge,
    start_entry,
    submitted_entry,
)

JUDGE = {
    "email": "Dr.Ada@Clinic.org",
    "display_name": "Dr. Ada",
    "affiliation": "LUTH",
    "tags": ["Clinician", "clinician", "youth"],
    "languages": ["en", "yo"],
    "max_load": 20,
}


def _token(mailbox, address: str) -> str:
    text = mailbox.to(address)[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"judge-invitation\.html\?token=(\S+)", text).group(1)


def test_invite_accept_and_withdraw_a_judge(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    r = org.post("/api/challenges/hiv-testing/judges", json=JUDGE)
    assert r.status_code == 201, r.text
    judge = r.json()
    assert (
        judge["email"],
        judge["tags"],
        judge["languages"],
        judge["status"],
        judge["user_id"],
    ) == ("dr.ada@clinic.org", ["clinician", "youth"], ["en", "yo"], "invited", None)
    dup = org.post(
        "/api/challenges/hiv-testing/judges", json={**JUDGE, "email": "dr.ada@clinic.org"}
    )
    assert dup.status_code == 409 and dup.json()["error"]["field"] == "email"
    deliver_mail(app)
    [mail] = mailbox.to("dr.ada@clinic.org")
    assert mail["Subject"] == 'You are invited to judge "HIV testing for young people"'
    token = _token(mailbox, "dr.ada@clinic.org")

    ada = client_for(app, "ada.personal@example.org", name="Ada")
    accepted = ada.post("/api/judge-invitations/accept", json={"token": token})
    assert accepted.status_code == 200
    assert (accepted.json()["challenge_slug"], accepted.json()["judge"]["status"]) == (
        "hiv-testing",
        "active",
    )
    assert ada.get("/api/challenges/hiv-testing").json()["my_roles"] == ["judge"]
    again = client_for(app, "other@example.org").post(
        "/api/judge-invitations/accept", json={"token": token}
    )
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_token"

    withdrawn = org.patch(
        f"/api/challenges/hiv-testing/judges/{judge['id']}",
        json={"status": "withdrawn", "max_load": 5},
    )
    assert (withdrawn.json()["status"], withdrawn.json()["max_load"]) == ("withdrawn", 5)
    events = org.get("/api/challenges/hiv-testing/audit", params={"object_type": "judge"}).json()[
        "items"
    ]
    assert [e["action"] for e in events] == ["judge.update", "judge.accept", "judge.invite"]
    assert events[0]["before"] == {"max_load": 20, "status": "active"}


def test_conflicts_recorded_and_detected(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    entrant = client_for(app, "amina@ngo.org", name="Amina")
    own = submitted_entry(entrant)
    team_entry = start_entry(
        client_for(app, "kofi@example.org"),
        body={**COMPLETE, "team": [{"name": "Bisi", "email": "bisi@uni.edu"}]},
    )
    other = submitted_entry(client_for(app, "k3@example.org"))
    network = start_entry(
        client_for(app, "n@example.org"),
        body={
            **COMPLETE,
            "answers": {**COMPLETE["answers"], "organisation": "Lagos Youth Network"},
        },
    )
    assert (
        login(app, "n@example.org").post(f"/api/entries/{network['id']}/submit").status_code == 200
    )
    assert (
        login(app, "kofi@example.org").post(f"/api/entries/{team_entry['id']}/submit").status_code
        == 200
    )

    judges = {}
    for email, name, affiliation in (
        ("amina@ngo.org", "Amina as judge", ""),
        ("bisi@uni.edu", "Bisi", ""),
        ("dean@ngo.org", "Dean", ""),
        ("gmail.judge@gmail.com", "G", ""),
        ("lyn@example.org", "Lyn", "Lagos Youth Network"),
    ):
        judges[name] = org.post(
            "/api/challenges/hiv-testing/judges",
            json={"email": email, "display_name": name, "affiliation": affiliation},
        ).json()["id"]
    deliver_mail(app)
    # Amina accepts her own invitation: she submitted an entry of this call.
    amina_token = _token(mailbox, "amina@ngo.org")
    assert (
        entrant.post("/api/judge-invitations/accept", json={"token": amina_token}).status_code
        == 200
    )

    detected = org.post("/api/challenges/hiv-testing/conflicts/detect")
    assert detected.status_code == 200
    found = sorted(
        (c["judge_name"], c["entry_id"], c["source"], c["reason"]) for c in detected.json()
    )
    assert found == sorted(
        [
            ("Amina as judge", own["id"], "detected", "The judge submitted this entry."),
            ("Bisi", team_entry["id"], "detected", "The judge is on this entry's team."),
            (
                "Dean",
                own["id"],
                "detected",
                "The judge shares the e-mail domain ngo.org with the submitter.",
            ),
            (
                "Lyn",
                network["id"],
                "detected",
                "The judge and the entrant share an organisation (Lagos Youth Network).",
            ),
        ]
    )
    assert org.post("/api/challenges/hiv-testing/conflicts/detect").json() == []  # nothing twice

    recorded = org.post(
        "/api/challenges/hiv-testing/conflicts",
        json={"judge_id": judges["G"], "entry_id": other["id"], "reason": "Former supervisor"},
    )
    assert recorded.status_code == 201 and recorded.json()["source"] == "organiser"
    dup = org.post(
        "/api/challenges/hiv-testing/conflicts",
        json={"judge_id": judges["G"], "entry_id": other["id"], "reason": "Again"},
    )
    assert dup.status_code == 409
    register = org.get("/api/challenges/hiv-testing/conflicts").json()
    assert len(register) == 5
    foreign = org.post(
        "/api/challenges/hiv-testing/conflicts",
        json={"judge_id": judges["G"], "entry_id": 999999, "reason": "Nope"},
    )
    assert foreign.status_code == 404 and foreign.json()["error"]["field"] == "entry_id"
