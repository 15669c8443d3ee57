"""Screening: eligible or ineligible with a reason, single or bulk, reopened with a reason."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import client_for, login, make_challenge, start_entry, submitted_entry


def _setup(app: FastAPI) -> TestClient:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    client_for(app, "screener@example.org", name="Sani")
    org.post(
        "/api/challenges/hiv-testing/roles",
        json={"email": "screener@example.org", "role": "screener"},
    )
    return org


def test_screen_one_entry_with_a_reason(app: FastAPI, mailbox) -> None:
    org = _setup(app)
    screener = login(app, "screener@example.org")
    p = client_for(app, "p@example.org")
    entry = submitted_entry(p)
    no_reason = screener.post(
        f"/api/entries/{entry['id']}/eligibility", json={"eligibility": "ineligible"}
    )
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    r = screener.post(
        f"/api/entries/{entry['id']}/eligibility",
        json={
            "eligibility": "ineligible",
            "reason": "Outside the eligible countries",
            "note": "Checked the address twice",
        },
    )
    assert r.status_code == 200
    assert (r.json()["eligibility"], r.json()["eligibility_note"]) == (
        "ineligible",
        "Checked the address twice",
    )
    # The entrant sees the status and the reason, not the screeners' note.
    mine = p.get(f"/api/entries/{entry['id']}").json()
    assert (mine["eligibility"], mine["eligibility_reason"], mine["eligibility_note"]) == (
        "ineligible",
        "Outside the eligible countries",
        None,
    )
    twice = screener.post(
        f"/api/entries/{entry['id']}/eligibility", json={"eligibility": "eligible"}
    )
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_screened"
    assert (
        p.post(
            f"/api/entries/{entry['id']}/eligibility", json={"eligibility": "eligible"}
        ).status_code
        == 403
    )
    reopened = org.post(
        f"/api/entries/{entry['id']}/reopen-screening",
        json={"reason": "The entrant sent proof of address"},
    )
    assert (reopened.json()["eligibility"], reopened.json()["eligibility_reason"]) == (
        "pending",
        None,
    )
    assert (
        screener.post(
            f"/api/entries/{entry['id']}/eligibility", json={"eligibility": "eligible"}
        ).status_code
        == 200
    )
    events = org.get("/api/challenges/hiv-testing/audit", params={"object_type": "entry"}).json()[
        "items"
    ]
    assert [
        (e["action"], e["after"].get("eligibility") if e["after"] else None, e["reason"])
        for e in events
    ] == [
        ("entry.screen", "eligible", None),
        ("entry.reopen_screening", "pending", "The entrant sent proof of address"),
        ("entry.screen", "ineligible", None),
        ("entry.submit", None, None),
    ]


def test_only_submitted_entries_are_screened(app: FastAPI) -> None:
    org = _setup(app)
    draft = start_entry(client_for(app, "p@example.org"))
    r = org.post(f"/api/entries/{draft['id']}/eligibility", json={"eligibility": "eligible"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_submitted"


def test_bulk_screening_is_all_or_nothing_and_counts_follow(app: FastAPI, mailbox) -> None:
    org = _setup(app)
    screener = login(app, "screener@example.org")
    entries = [submitted_entry(client_for(app, f"p{i}@example.org")) for i in range(3)]
    ids = [e["id"] for e in entries]
    screener.post(f"/api/entries/{ids[0]}/eligibility", json={"eligibility": "eligible"})
    refused = screener.post(
        "/api/challenges/hiv-testing/screening", json={"entry_ids": ids, "eligibility": "eligible"}
    )
    assert refused.status_code == 409
    assert screener.get("/api/challenges/hiv-testing/entries/counts").json()["pending"] == 2
    ok = screener.post(
        "/api/challenges/hiv-testing/screening",
        json={"entry_ids": ids[1:], "eligibility": "ineligible", "reason": "Incomplete"},
    )
    assert ok.json() == {"screened": ids[1:]}
    counts = org.get("/api/challenges/hiv-testing/entries/counts").json()
    assert counts == {
        "draft": 0,
        "submitted": 3,
        "withdrawn": 0,
        "pending": 0,
        "eligible": 1,
        "ineligible": 2,
    }
    ineligible = org.get(
        "/api/challenges/hiv-testing/entries", params={"eligibility": "ineligible"}
    ).json()["items"]
    assert sorted(r["id"] for r in ineligible) == sorted(ids[1:])
    assert {r["eligibility_reason"] for r in ineligible} == {"Incomplete"}
    elsewhere = client_for(app, "o2@example.org")
    make_challenge(elsewhere, "other-call")
    foreign = elsewhere.post(
        "/api/challenges/other-call/screening",
        json={"entry_ids": ids[:1], "eligibility": "eligible"},
    )
    assert foreign.status_code == 404


def test_entries_table_filters_and_pages(app: FastAPI, mailbox) -> None:
    org = _setup(app)
    p = client_for(app, "amina@example.org", name="Amina Bello")
    submitted_entry(p)
    start_entry(client_for(app, "q@example.org"), body={"title": "Draft idea"})
    org.post(
        "/api/challenges/hiv-testing/entries",
        json={"title": "Paper entry", "on_behalf": {"channel": "paper", "submitter_name": "Kofi"}},
    )
    rows = org.get("/api/challenges/hiv-testing/entries").json()
    assert [(r["title"], r["status"], r["channel"], r["owner_name"]) for r in rows["items"]] == [
        ("Paper entry", "draft", "paper", "Kofi"),
        ("Draft idea", "draft", "web", "q"),
        ("Self-test kits in youth clubs", "submitted", "web", "Amina Bello"),
    ]
    assert [
        r["title"]
        for r in org.get("/api/challenges/hiv-testing/entries", params={"channel": "paper"}).json()[
            "items"
        ]
    ] == ["Paper entry"]
    assert [
        r["title"]
        for r in org.get("/api/challenges/hiv-testing/entries", params={"q": "amina"}).json()[
            "items"
        ]
    ] == ["Self-test kits in youth clubs"]
    assert [
        r["reference"]
        for r in org.get("/api/challenges/hiv-testing/entries", params={"q": "HIV-0001"}).json()[
            "items"
        ]
    ] == ["HIV-0001"]
    page1 = org.get("/api/challenges/hiv-testing/entries", params={"limit": 2}).json()
    page2 = org.get(
        "/api/challenges/hiv-testing/entries", params={"limit": 2, "cursor": page1["next_cursor"]}
    ).json()
    assert len(page1["items"]) == 2 and len(page2["items"]) == 1 and page2["next_cursor"] is None
    assert (
        client_for(app, "nobody@example.org").get("/api/challenges/hiv-testing/entries").status_code
        == 403
    )
