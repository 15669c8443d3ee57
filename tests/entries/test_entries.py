"""Entries: drafts that keep everything, submit against the deadline at the second, edits,
revisions, withdrawal, limits, eligibility rules, offline entries and receipts."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from app.core.db import utcnow
from app.entries import service
from app.models import Challenge, Entry
from tests.conftest import BASE_URL, deliver_mail
from tests.factories import (
    COMPLETE,
    anonymous,
    client_for,
    make_challenge,
    start_entry,
    submitted_entry,
)


def _set_deadline(org: TestClient, closes_in: timedelta, grace: int = 0) -> None:
    r = org.patch(
        "/api/challenges/hiv-testing",
        json={"closes_at": (utcnow() + closes_in).isoformat(), "grace_minutes": grace},
    )
    assert r.status_code == 200, r.text


def test_a_draft_keeps_invalid_answers_and_lists_what_must_change(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = start_entry(p)
    r = p.patch(
        f"/api/entries/{entry['id']}",
        json={
            "title": "Kits",
            "answers": {
                "idea": "word " * 60,
                "country": "XX",
                "budget": {"amount": 90000, "currency": "GBP"},
            },
            "team": [{"name": "Ada", "email": "not-an-email"}],
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["answers"]["idea"] == "word " * 60  # kept as typed
    assert body["status"] == "draft" and body["editable"] is True
    assert [(x["field"], x["message"]) for x in body["problems"]] == [
        ("summary", "is required"),
        ("category", "is required"),
        ("team.0.email", "is not a valid e-mail address"),
        ("answers.idea", "must be at most 50 words (it has 60)"),
        ("answers.country", "must be a country from the list"),
        ("answers.budget", "must be at most 50,000.00 GBP"),
        ("answers.consent", "must be ticked"),
        ("licence_accepted", "must be accepted: entries are shared under CC-BY-4.0"),
    ]
    refused = p.post(f"/api/entries/{entry['id']}/submit")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "entry_incomplete"
    assert [d["field"] for d in error["details"]] == [x["field"] for x in body["problems"]]
    # Clearing an answer with null, and fixing the rest, makes it submittable.
    fixed = p.patch(
        f"/api/entries/{entry['id']}",
        json={**COMPLETE, "answers": {**COMPLETE["answers"], "budget": None}, "team": []},
    )
    assert fixed.json()["problems"] == [] and "budget" not in fixed.json()["answers"]
    assert p.post(f"/api/entries/{entry['id']}/submit").status_code == 200


def test_submit_gives_a_reference_a_revision_and_a_receipt(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "amina@example.org", name="Amina")
    first = submitted_entry(p)
    second = submitted_entry(p)
    assert (first["reference"], second["reference"]) == ("HIV-0001", "HIV-0002")
    assert first["licence"] == "CC-BY-4.0" and first["submitted_at"] is not None
    assert first["rule_outcomes"] == []
    revisions = p.get(f"/api/entries/{first['id']}/revisions").json()
    assert [(r["number"], r["kind"], r["author"]["display_name"]) for r in revisions] == [
        (1, "submit", "Amina")
    ]
    assert revisions[0]["snapshot"]["answers"] == COMPLETE["answers"]
    deliver_mail(app)
    receipts = [m for m in mailbox.to("amina@example.org") if "received" in m["Subject"]]
    assert [m["Subject"] for m in receipts] == [
        "Entry HIV-0001 received: HIV testing for young people",
        "Entry HIV-0002 received: HIV testing for young people",
    ]
    text = receipts[0].get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "Your reference: HIV-0001" in text and "Your idea:\n  Peers hand out kits." in text
    again = p.post(f"/api/entries/{first['id']}/submit")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_submitted"


def test_deadline_at_the_second(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    just_before = start_entry(p, body=COMPLETE)
    late = start_entry(p, body=COMPLETE)
    _set_deadline(org, timedelta(seconds=3))
    assert p.post(f"/api/entries/{just_before['id']}/submit").status_code == 200
    _set_deadline(org, timedelta(seconds=-1))
    r = p.post(f"/api/entries/{late['id']}/submit")
    assert r.status_code == 409 and r.json()["error"]["code"] == "deadline_passed"
    saved = p.patch(f"/api/entries/{late['id']}", json={"title": "Too late"})
    assert saved.status_code == 409 and saved.json()["error"]["code"] == "deadline_passed"
    assert p.get(f"/api/entries/{late['id']}").json()["title"] == COMPLETE["title"]
    # Inside the grace period the call still takes entries.
    _set_deadline(org, timedelta(seconds=-30), grace=1)
    assert p.post(f"/api/entries/{late['id']}/submit").status_code == 200
    # A new entry cannot even be started after the grace period.
    _set_deadline(org, timedelta(seconds=-61), grace=1)
    assert (
        p.post("/api/challenges/hiv-testing/entries", json={}).json()["error"]["code"]
        == "not_accepting"
    )


def test_submitted_entries_change_until_the_deadline_as_revisions(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = submitted_entry(p)
    invalid = p.patch(f"/api/entries/{entry['id']}", json={"answers": {"country": "ZZ"}})
    assert invalid.status_code == 422 and invalid.json()["error"]["field"] == "answers.country"
    assert p.get(f"/api/entries/{entry['id']}").json()["answers"]["country"] == "NG"  # unchanged
    ok = p.patch(f"/api/entries/{entry['id']}", json={"title": "Self-test kits everywhere"})
    assert ok.status_code == 200
    revisions = p.get(f"/api/entries/{entry['id']}/revisions").json()
    assert [(r["number"], r["kind"], r["snapshot"]["title"]) for r in revisions] == [
        (1, "submit", "Self-test kits in youth clubs"),
        (2, "edit", "Self-test kits everywhere"),
    ]
    _set_deadline(org, timedelta(seconds=-1))
    late = p.patch(f"/api/entries/{entry['id']}", json={"title": "After"})
    assert late.status_code == 409
    assert p.get(f"/api/entries/{entry['id']}").json()["editable"] is False


def test_withdraw_until_judging_starts(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    first, second = submitted_entry(p), submitted_entry(p)
    r = p.post(f"/api/entries/{first['id']}/withdraw")
    assert (r.status_code, r.json()["status"], r.json()["withdrawable"]) == (
        200,
        "withdrawn",
        False,
    )
    assert (
        p.patch(f"/api/entries/{first['id']}", json={"title": "x"}).json()["error"]["code"]
        == "withdrawn"
    )
    now = utcnow()
    org.patch(
        "/api/challenges/hiv-testing",
        json={
            "closes_at": (now - timedelta(hours=2)).isoformat(),
            "judging_opens_at": (now - timedelta(hours=1)).isoformat(),
        },
    )
    late = p.post(f"/api/entries/{second['id']}/withdraw")
    assert late.status_code == 409 and late.json()["error"]["code"] == "judging_started"
    events = org.get(
        "/api/challenges/hiv-testing/audit", params={"action": "entry.withdraw"}
    ).json()["items"]
    assert [(e["object_id"], e["before"], e["after"]) for e in events] == [
        (first["id"], {"status": "submitted"}, {"status": "withdrawn"})
    ]


def test_limits_on_entries_and_team_size(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)  # two entries per participant, teams of three
    p = client_for(app, "p@example.org")
    submitted_entry(p)
    draft = start_entry(p)
    third = p.post("/api/challenges/hiv-testing/entries", json={})
    assert third.status_code == 409 and third.json()["error"]["code"] == "entry_limit"
    team = [{"name": f"Member {i}"} for i in range(4)]
    body = p.patch(f"/api/entries/{draft['id']}", json={**COMPLETE, "team": team}).json()
    assert {"field": "team", "message": "may list at most 3 members"} in body["problems"]
    p.post(f"/api/entries/{draft['id']}/withdraw")
    assert p.post("/api/challenges/hiv-testing/entries", json={}).status_code == 201


def test_concurrent_submits_of_one_draft_count_once(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = start_entry(p, body=COMPLETE)
    cookie = p.cookies["opencall_session"]
    results: list[int] = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        with TestClient(app, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
            c.cookies.set("opencall_session", cookie)
            barrier.wait()
            results.append(c.post(f"/api/entries/{entry['id']}/submit").status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409, 409, 409]
    assert p.get(f"/api/entries/{entry['id']}").json()["reference"] == "HIV-0001"
    assert len(p.get(f"/api/entries/{entry['id']}/revisions").json()) == 1
    assert submitted_entry(client_for(app, "q@example.org"))["reference"] == "HIV-0002"


def test_concurrent_submits_of_two_drafts_keep_the_entrant_s_limit(app: FastAPI, mailbox) -> None:
    """Both pass the checks made before the call's lock; the limit is counted again under it."""
    org = client_for(app, "org@example.org")
    make_challenge(org, max_entries_per_participant=2)
    p = client_for(app, "p@example.org")
    drafts = [start_entry(p, body=COMPLETE) for _ in range(2)]
    # Two drafts, and then the organisers allow one entry each.
    r = org.patch("/api/challenges/hiv-testing", json={"max_entries_per_participant": 1})
    assert r.status_code == 200, r.text
    cookie = p.cookies["opencall_session"]
    results: list[tuple[int, str | None]] = []
    barrier = threading.Barrier(2)

    def submit(entry_id: int) -> None:
        with TestClient(app, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
            c.cookies.set("opencall_session", cookie)
            barrier.wait()
            r = c.post(f"/api/entries/{entry_id}/submit")
            results.append((r.status_code, r.json().get("error", {}).get("code")))

    threads = [threading.Thread(target=submit, args=(d["id"],)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [(200, None), (409, "entry_limit")]
    statuses = sorted(p.get(f"/api/entries/{d['id']}").json()["status"] for d in drafts)
    assert statuses == ["draft", "submitted"]


def _meanwhile(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    """Runs `change` (in its own session) after a submit's checks, just before it takes the
    call's lock: what another request could do while this one queued for the lock."""
    real = service.take_references

    def take_references(session: Session, challenge: Challenge, count: int) -> list[str]:
        with Session(session.get_bind()) as other:
            change(other)
            other.commit()
        return real(session, challenge, count)

    monkeypatch.setattr(service, "take_references", take_references)


def test_a_save_landing_while_a_submit_queues_is_not_submitted_unchecked(
    app: FastAPI, mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = start_entry(p, body=COMPLETE)
    # Another device empties the summary after this submit found the entry complete.
    _meanwhile(
        monkeypatch,
        lambda other: other.execute(
            update(Entry)
            .where(col(Entry.id) == entry["id"])
            .values(summary="", updated_at=utcnow())
        ),
    )
    r = p.post(f"/api/entries/{entry['id']}/submit")
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "edit_conflict"
    assert "was not submitted" in r.json()["error"]["message"]
    after = p.get(f"/api/entries/{entry['id']}").json()
    assert (after["status"], after["reference"], after["summary"]) == ("draft", None, "")
    monkeypatch.undo()
    # The number it held is given back: the next submit of the call takes HIV-0001.
    assert p.patch(f"/api/entries/{entry['id']}", json=COMPLETE).status_code == 200
    assert p.post(f"/api/entries/{entry['id']}/submit").json()["reference"] == "HIV-0001"


def test_a_submit_that_arrived_in_time_is_on_time_however_long_it_queued(
    app: FastAPI, mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = start_entry(p, body=COMPLETE)
    closes_at = None

    def the_deadline_passes(other: Session) -> None:
        nonlocal closes_at
        closes_at = utcnow()
        other.execute(update(Challenge).values(closes_at=closes_at, grace_minutes=0))
        time.sleep(0.01)  # the lock is taken after the deadline

    _meanwhile(monkeypatch, the_deadline_passes)
    r = p.post(f"/api/entries/{entry['id']}/submit")
    assert r.status_code == 200, r.text
    assert closes_at is not None
    submitted_at = datetime.fromisoformat(r.json()["submitted_at"].replace("Z", "+00:00"))
    assert submitted_at < closes_at


def test_a_save_based_on_an_old_version_is_refused_and_changes_nothing(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = start_entry(p, body={"title": "First"})
    url = f"/api/entries/{entry['id']}"
    # The phone saves on the version it loaded: accepted, and the entry gets a new version.
    r = p.patch(url, json={"title": "Phone", "expected_updated_at": entry["updated_at"]})
    assert r.status_code == 200, r.text
    phone = r.json()
    assert (phone["title"], phone["updated_at"] > entry["updated_at"]) == ("Phone", True)
    # A laptop that was offline sends its change made on the first version: refused.
    r = p.patch(url, json={"summary": "Laptop", "expected_updated_at": entry["updated_at"]})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "edit_conflict"
    after = p.get(url).json()
    assert (after["title"], after["summary"], after["updated_at"]) == (
        "Phone",
        "",
        phone["updated_at"],
    )
    # Made on the version it has now, the same change goes through.
    r = p.patch(url, json={"summary": "Laptop", "expected_updated_at": after["updated_at"]})
    assert (r.status_code, r.json()["title"], r.json()["summary"]) == (200, "Phone", "Laptop")
    # Without a version a save still applies as it did (clients that do not send one).
    r = p.patch(url, json={"summary": "Any"})
    assert (r.status_code, r.json()["summary"]) == (200, "Any")


def test_an_upload_makes_a_new_version_too(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = start_entry(p)
    r = p.post(
        f"/api/entries/{entry['id']}/attachments",
        params={"field": "poster", "filename": "poster.pdf"},
        content=b"%PDF-1.4\n" + b"0" * 200,
        headers={"Content-Type": "application/pdf"},
    )
    assert r.status_code == 201, r.text
    r = p.patch(
        f"/api/entries/{entry['id']}",
        json={"title": "Stale", "expected_updated_at": entry["updated_at"]},
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "edit_conflict")
    fresh = p.get(f"/api/entries/{entry['id']}").json()
    r = p.patch(
        f"/api/entries/{entry['id']}",
        json={"title": "Fresh", "expected_updated_at": fresh["updated_at"]},
    )
    assert (r.status_code, r.json()["title"]) == (200, "Fresh")


def test_two_saves_on_one_version_at_once_let_exactly_one_through(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = start_entry(p)
    cookie = p.cookies["opencall_session"]
    results: dict[str, int] = {}
    barrier = threading.Barrier(3)

    def save(title: str) -> None:
        with TestClient(app, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
            c.cookies.set("opencall_session", cookie)
            barrier.wait()
            results[title] = c.patch(
                f"/api/entries/{entry['id']}",
                json={"title": title, "expected_updated_at": entry["updated_at"]},
            ).status_code

    threads = [threading.Thread(target=save, args=(f"Device {n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200, 409, 409]
    winner = next(title for title, code in results.items() if code == 200)
    assert p.get(f"/api/entries/{entry['id']}").json()["title"] == winner


def test_eligibility_rules_block_or_flag(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(
        org,
        eligibility_rules=[
            {
                "kind": "income_group_in",
                "field": "country",
                "groups": ["Low income", "Lower middle income", "Upper middle income"],
                "label": "Conceived in a low- or middle-income country",
            },
            {"kind": "amount_max", "field": "budget", "max": 50000, "enforce": "flag"},
        ],
    )
    p = client_for(app, "p@example.org")
    uk = start_entry(p, body={**COMPLETE, "answers": {**COMPLETE["answers"], "country": "GB"}})
    r = p.post(f"/api/entries/{uk['id']}/submit")
    assert r.status_code == 422
    assert r.json()["error"]["details"] == [
        {
            "field": "answers.country",
            "message": "does not meet the eligibility rule: Conceived in a low- or middle-income country",
        }
    ]
    p.patch(f"/api/entries/{uk['id']}", json={"answers": {"country": "KE"}})
    ok = p.post(f"/api/entries/{uk['id']}/submit").json()
    assert [(o["kind"], o["passed"], o["detail"]) for o in ok["rule_outcomes"]] == [
        ("income_group_in", True, "KE: Lower middle income"),
        ("amount_max", None, "not answered"),
    ]
    rows = org.get("/api/challenges/hiv-testing/entries").json()["items"]
    assert [(row["reference"], row["flagged"]) for row in rows] == [("HIV-0001", True)]


def test_staff_take_offline_entries_for_others(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    denied = p.post(
        "/api/challenges/hiv-testing/entries",
        json={"on_behalf": {"channel": "paper", "submitter_name": "X"}},
    )
    assert denied.status_code == 403
    r = org.post(
        "/api/challenges/hiv-testing/entries",
        json={
            "title": "From the drop box",
            "on_behalf": {
                "channel": "drop_box",
                "submitter_name": "Bola",
                "submitter_contact": "bola@example.org",
            },
        },
    )
    assert r.status_code == 201
    entry = r.json()
    assert (entry["channel"], entry["owner"], entry["submitter_name"]) == ("drop_box", None, "Bola")
    org.patch(f"/api/entries/{entry['id']}", json=COMPLETE)
    # Typed in after the deadline (the paper arrived in time), until judging starts.
    _set_deadline(org, timedelta(seconds=-5))
    submitted = org.post(f"/api/entries/{entry['id']}/submit")
    assert submitted.status_code == 200 and submitted.json()["reference"] == "HIV-0001"
    deliver_mail(app)
    assert [m["Subject"] for m in mailbox.to("bola@example.org")] == [
        "Entry HIV-0001 received: HIV testing for young people"
    ]
    assert p.get(f"/api/entries/{entry['id']}").status_code == 404


def test_entries_are_private_to_their_entrant_and_staff(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = submitted_entry(p)
    other = client_for(app, "other@example.org")
    assert other.get(f"/api/entries/{entry['id']}").status_code == 404
    assert other.patch(f"/api/entries/{entry['id']}", json={"title": "x"}).status_code == 404
    assert anonymous(app).get(f"/api/entries/{entry['id']}").status_code == 401
    staff_view = org.get(f"/api/entries/{entry['id']}")
    assert staff_view.status_code == 200
    assert (
        org.patch(f"/api/entries/{entry['id']}", json={"title": "Organiser edit"}).status_code
        == 403
    )
    mine = p.get("/api/me/entries").json()["items"]
    assert [e["reference"] for e in mine] == ["HIV-0001"]


def test_my_entries_list_shows_each_entry_as_its_own_page_does(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    make_challenge(
        org,
        "second-call",
        form=[{"key": "why", "type": "short_text", "label": "Why", "required": True}],
    )
    p = client_for(app, "p@example.org")
    done = submitted_entry(p)
    draft = start_entry(
        p, body={"title": "Half done", "team": [{"name": "Ada", "email": "ada@example.org"}]}
    )
    p.post(
        f"/api/entries/{draft['id']}/attachments",
        params={"field": "poster", "filename": "p.pdf"},
        content=b"%PDF-1.4\n" + b"0" * 2000,
    )
    other = start_entry(p, "second-call")
    listed = p.get("/api/me/entries").json()["items"]
    assert [e["id"] for e in listed] == [other["id"], draft["id"], done["id"]]
    assert listed == [p.get(f"/api/entries/{e['id']}").json() for e in (other, draft, done)]
    assert [e["problems"][-1]["field"] for e in listed[:2]] == [
        "licence_accepted",
        "licence_accepted",
    ]
    assert (
        listed[1]["team"] == [{"name": "Ada", "email": "ada@example.org"}]
        and len(listed[1]["attachments"]) == 1
    )
