"""The evaluation dashboard's figures against contests counted by hand."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.core.db import utcnow
from app.models import AuditEvent, Entry, User
from tests.factories import COMPLETE, client_for, make_challenge, start_entry
from tests.results.test_results import _contest

SLUG = "hiv-testing"


def _submit(client: Any, answers: dict[str, Any], slug: str = SLUG, **fields: Any) -> int:
    body = {**COMPLETE, **fields, "answers": {**COMPLETE["answers"], **answers}}
    entry = start_entry(client, slug, body)
    r = client.post(f"/api/entries/{entry['id']}/submit")
    assert r.status_code == 200, r.text
    return int(entry["id"])


def _set_submitted_at(app: FastAPI, moments: dict[int, datetime]) -> None:
    with Session(app.state.engine) as session:
        for entry_id, moment in moments.items():
            entry = session.get(Entry, entry_id)
            assert entry is not None
            entry.submitted_at = moment
            session.add(entry)
        session.commit()


def test_a_judged_and_voted_contest_worked_by_hand(app: FastAPI, mailbox: Any) -> None:
    w = _contest(app, mailbox)  # 4 eligible entries, 2 judges, 8 scorecards, 4 votes
    assert w.org.post(f"/api/challenges/{SLUG}/awards/propose").status_code == 200

    r = w.org.get(f"/api/challenges/{SLUG}/stats")
    assert r.status_code == 200, r.text
    stats = r.json()

    # Registered while the call was out: the participant, two judges and four voters (the
    # organiser's account predates the call).
    assert [(s["key"], s["count"]) for s in stats["funnel"]] == [
        ("registered", 7),
        ("started", 4),
        ("submitted", 4),
        ("eligible", 4),
        (f"round-{w.round_id}", 0),
        ("awarded", 4),
    ]
    assert stats["entries"] == {
        "started": 4,
        "draft": 0,
        "submitted": 4,
        "withdrawn": 0,
        "eligible": 4,
        "ineligible": 0,
        "pending": 0,
    }
    [round_] = stats["rounds"]
    assert {
        k: round_[k] for k in ("entries", "advanced", "assignments", "submitted", "drafts")
    } == {
        "entries": 4,
        "advanced": 0,
        "assignments": 8,
        "submitted": 8,
        "drafts": 0,
    }
    assert round_["progress"] == 1.0 and round_["scored_entries"] == 4
    # Entry means 8/9, 5/9, 5/9 and 1/9: tenths 8, 5, 5 and 1.
    assert [b["count"] for b in round_["score_bins"]] == [0, 1, 0, 0, 0, 2, 0, 0, 1, 0]
    # On the 1–10 scale both criteria share: 0.8 of the way is 8.2.
    assert round_["score_bins"][8]["shown_lo"] == pytest.approx(8.2)
    assert stats["panel"] == {
        "judges": 2,
        "accepted": 2,
        "invited": 0,
        "declined": 0,
        "by_perspective": [],
        "untagged": 2,
    }
    votes = stats["votes"]
    assert (votes["enabled"], votes["counted"], votes["held"], votes["voters"]) == (
        True,
        4,
        0,
        4,
    )
    assert sum(d["counted"] for d in votes["per_day"]) == 4
    # One participant, new to OpenCall; all four entries from Nigeria (lower middle income).
    assert stats["participants"] == {
        "people": 1,
        "first_time": 1,
        "returning": 0,
        "offline_entries": 0,
    }
    assert stats["countries"] == [
        {"iso2": "NG", "name": "Nigeria", "income_group": "Lower middle income", "count": 4}
    ]
    assert stats["income_groups"]["lmic_share"] == 1.0


def test_countries_income_groups_demographics_and_first_timers(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, "earlier-call")
    make_challenge(org)
    people = [client_for(app, f"p{i}@example.org") for i in range(5)]
    # p0 entered the earlier call first: a returning participant here.
    _submit(people[0], {}, slug="earlier-call")
    _submit(people[0], {"country": "NG", "gender": "Woman"})
    _submit(people[1], {"country": "NG", "gender": "Woman"}, category="Clinic")
    _submit(people[2], {"country": "GB", "gender": "Man"})
    _submit(people[3], {"country": "IN"}, language="fr")
    _submit(people[4], {"country": "BR", "gender": "Woman"})
    start_entry(people[4], body={**COMPLETE, "answers": {"country": "US"}})  # a draft

    stats = org.get(f"/api/challenges/{SLUG}/stats").json()

    assert [(c["iso2"], c["count"]) for c in stats["countries"]] == [
        ("NG", 2),
        ("BR", 1),
        ("IN", 1),
        ("GB", 1),
    ]
    income = stats["income_groups"]
    assert [(g["value"], g["count"]) for g in income["rows"]] == [
        ("Low income", 0),
        ("Lower middle income", 3),
        ("Upper middle income", 1),
        ("High income", 1),
    ]
    # NG, NG, IN (lower middle) and BR (upper middle) of five with a known group.
    assert (income["known"], income["lmic"], income["lmic_share"]) == (5, 4, 0.8)
    breakdowns = {b["key"]: b["rows"] for b in stats["breakdowns"]}
    assert [(r["value"], r["count"], r["share"]) for r in breakdowns["field:gender"]] == [
        ("Woman", 3, 0.6),
        ("Man", 1, 0.2),
        (None, 1, 0.2),
    ]
    assert [(r["value"], r["count"]) for r in breakdowns["category"]] == [
        ("Community", 4),
        ("Clinic", 1),
    ]
    assert [(r["value"], r["count"]) for r in breakdowns["channel"]] == [("web", 5)]
    assert [(r["value"], r["count"]) for r in breakdowns["language"]] == [("fr", 1), (None, 4)]
    assert stats["participants"] == {
        "people": 5,
        "first_time": 4,
        "returning": 1,
        "offline_entries": 0,
    }
    assert stats["entries"]["started"] == 6 and stats["entries"]["draft"] == 1


def test_submissions_per_day_in_the_calls_time_zone_at_the_quarter_hour(app: FastAPI) -> None:
    # Kathmandu is UTC+5:45: 18:14 UTC is 23:59 there, 18:15 UTC already the next day.
    org = client_for(app, "org@example.org")
    make_challenge(org, timezone="Asia/Kathmandu", max_entries_per_participant=10)
    p = client_for(app, "p@example.org")
    ids = [_submit(p, {}) for _ in range(4)]
    _set_submitted_at(
        app,
        {
            ids[0]: datetime(2026, 3, 1, 18, 14, 59, tzinfo=UTC),
            ids[1]: datetime(2026, 3, 1, 18, 15, tzinfo=UTC),
            ids[2]: datetime(2026, 3, 4, 2, 0, tzinfo=UTC),  # 07:45 on the 4th
            ids[3]: datetime(2026, 3, 4, 17, 0, tzinfo=UTC),  # 22:45 on the 4th
        },
    )
    days = org.get(f"/api/challenges/{SLUG}/stats").json()["submissions_per_day"]
    assert days == [
        {"date": "2026-03-01", "count": 1},
        {"date": "2026-03-02", "count": 1},
        {"date": "2026-03-03", "count": 0},  # a day without submissions is still a day
        {"date": "2026-03-04", "count": 2},
    ]


def test_reach_and_costs_give_cost_per_entry_and_are_audited(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, max_entries_per_participant=10)
    p = client_for(app, "p@example.org")
    ids = [_submit(p, {}) for _ in range(4)]
    r = org.post(
        f"/api/challenges/{SLUG}/screening", json={"entry_ids": ids[:2], "eligibility": "eligible"}
    )
    assert r.status_code == 200, r.text

    empty = org.get(f"/api/challenges/{SLUG}/stats/reach").json()
    assert (empty["events"], empty["currency"], empty["updated_at"]) == (None, "USD", None)
    body = {
        "events": 3,
        "attendance": 420,
        "social_reach": 15000,
        "partners": 4,
        "currency": "KES",
        "prize_costs": 1000,
        "staff_costs": 250.5,
        "promotion_costs": 49.5,
        "notes": "Two radio spots",
    }
    saved = org.put(f"/api/challenges/{SLUG}/stats/reach", json=body)
    assert saved.status_code == 200, saved.text
    assert {k: saved.json()[k] for k in body} == body

    costs = org.get(f"/api/challenges/{SLUG}/stats").json()["costs"]
    assert costs == {
        "currency": "KES",
        "total": 1300.0,
        "per_submitted": 325.0,
        "per_eligible": 650.0,
    }

    with Session(app.state.engine) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "challenge.report_update")
        ).one()
    assert event.after["prize_costs"] == 1000.0 and event.before["prize_costs"] is None

    # Bad input names the field; nothing changes.
    bad = org.put(f"/api/challenges/{SLUG}/stats/reach", json={**body, "staff_costs": -5})
    assert bad.status_code == 422 and "staff_costs" in bad.text
    bad = org.put(f"/api/challenges/{SLUG}/stats/reach", json={**body, "currency": "shillings"})
    assert bad.status_code == 422 and "currency" in bad.text
    assert org.get(f"/api/challenges/{SLUG}/stats/reach").json()["staff_costs"] == 250.5


def test_stats_csv_carries_the_same_figures(app: FastAPI, mailbox: Any) -> None:
    w = _contest(app, mailbox)
    stats = w.org.get(f"/api/challenges/{SLUG}/stats").json()
    r = w.org.get(f"/api/challenges/{SLUG}/stats.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text, newline="")))
    assert list(rows[0]) == ["section", "key", "label", "value", "share"]
    funnel = [(row["key"], int(row["value"])) for row in rows if row["section"] == "funnel"]
    assert funnel == [(s["key"], s["count"]) for s in stats["funnel"]]
    lmic = next(row for row in rows if (row["section"], row["key"]) == ("income_group", "lmic"))
    assert (lmic["value"], float(lmic["share"])) == ("4", 1.0)
    bins = [row for row in rows if row["section"] == f"round-{w.round_id}-scores"]
    assert [(b["key"], int(b["value"])) for b in bins][8] == ("0.8-0.9", 1)


def test_admin_sees_every_call_side_by_side(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, "first-call")
    make_challenge(org, "second-call")
    p = client_for(app, "p@example.org")
    _submit(p, {"country": "GB"}, slug="first-call")
    _submit(p, {"country": "KE"}, slug="second-call")
    admin = client_for(app, "admin@example.org", admin=True)

    page = admin.get("/api/stats", params={"limit": 1})
    assert page.status_code == 200, page.text
    first = page.json()
    assert [i["slug"] for i in first["items"]] == ["second-call"]
    rest = admin.get("/api/stats", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [i["slug"] for i in rest["items"]] == ["first-call"] and rest["next_cursor"] is None
    second, first_call = first["items"][0], rest["items"][0]
    assert (second["submitted"], second["lmic_share"], second["first_time"]) == (1, 1.0, 0)
    assert (first_call["submitted"], first_call["lmic_share"], first_call["first_time"]) == (
        1,
        0.0,
        1,
    )

    table = admin.get("/api/stats.csv")
    rows = list(csv.DictReader(io.StringIO(table.text, newline="")))
    assert [(r["slug"], r["submitted"], r["countries"]) for r in rows] == [
        ("first-call", "1", "1"),
        ("second-call", "1", "1"),
    ]
    assert org.get("/api/stats").status_code == 403


def test_registered_counts_accounts_created_while_the_call_was_out(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")  # before the call: not counted
    make_challenge(org, closes_in=timedelta(days=3))
    client_for(app, "during@example.org")
    with Session(app.state.engine) as session:
        for email, when in (
            ("before@example.org", utcnow() - timedelta(days=2)),
            ("after@example.org", utcnow() + timedelta(days=5)),  # past the deadline
        ):
            session.add(User(email=email, display_name="X", password_hash="x", created_at=when))
        session.commit()
    funnel = org.get(f"/api/challenges/{SLUG}/stats").json()["funnel"]
    assert funnel[0] == {
        "key": "registered",
        "label": "New accounts on OpenCall while the call was out",
        "count": 1,
    }
