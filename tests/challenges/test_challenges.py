"""Launching and running a call: create, edit, publish, phases, overrides, clone, lists."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from app.core.db import utcnow
from tests.factories import anonymous, client_for, make_challenge, submitted_entry


def test_only_verified_accounts_launch_calls(app: FastAPI) -> None:
    unverified = client_for(app, "new@example.org", verified=False)
    r = unverified.post("/api/challenges", json={"title": "A call"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "email_not_verified"
    assert anonymous(app).post("/api/challenges", json={"title": "A call"}).status_code == 401
    org = client_for(app, "org@example.org")
    r = org.post("/api/challenges", json={"title": "Ideas for Malaria Prevention!"})
    assert r.status_code == 201
    body = r.json()
    assert (body["slug"], body["phase"], body["my_roles"], body["licence"]) == (
        "ideas-for-malaria-prevention",
        "draft",
        ["organiser"],
        "CC-BY-4.0",
    )
    again = org.post("/api/challenges", json={"title": "Ideas for malaria prevention"})
    assert again.json()["slug"] == "ideas-for-malaria-prevention-2"
    taken = org.post(
        "/api/challenges", json={"title": "Other", "slug": "ideas-for-malaria-prevention"}
    )
    assert taken.status_code == 409 and taken.json()["error"]["field"] == "slug"


def test_a_new_call_refuses_null_where_a_call_needs_a_value(app: FastAPI) -> None:
    # Found by tests/test_fuzz.py: creating with "categories": null was a 500, as editing
    # already refused it; null texts are empty texts in both.
    org = client_for(app, "org@example.org")
    for name in ("categories", "timezone", "languages", "screening_reasons", "licence"):
        r = org.post("/api/challenges", json={"title": "Null call", name: None})
        assert r.status_code == 422, r.text
        assert (r.json()["error"]["field"], r.json()["error"]["message"]) == (
            name,
            f"{name}: may not be null",
        )
    r = org.post("/api/challenges", json={"title": "Null call", "prompt": None, "slug": "nulls"})
    assert r.status_code == 201, r.text
    assert (r.json()["slug"], r.json()["prompt"], r.json()["categories"]) == ("nulls", "", [])


def test_drafts_are_invisible_to_everyone_but_staff(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, publish=False)
    assert anonymous(app).get("/api/challenges/hiv-testing").status_code == 404
    assert client_for(app, "p@example.org").get("/api/challenges/hiv-testing").status_code == 404
    assert (
        client_for(app, "admin@example.org", admin=True)
        .get("/api/challenges/hiv-testing")
        .status_code
        == 200
    )
    assert org.get("/api/challenges/hiv-testing").json()["phase"] == "draft"
    assert anonymous(app).get("/api/challenges").json()["items"] == []


def test_description_markdown_is_rendered_and_sanitised(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    md = "# Aim\n\n<script>alert(1)</script> **bold** [bad](javascript:alert(1)) [ok](https://who.int)"
    r = org.patch("/api/challenges/hiv-testing", json={"description_md": md})
    html = r.json()["description_html"]
    assert html == (
        "<h2>Aim</h2>\n<p>&lt;script&gt;alert(1)&lt;/script&gt; <strong>bold</strong> "
        '[bad](javascript:alert(1)) <a href="https://who.int" rel="noopener noreferrer nofollow">ok</a></p>\n'
    )
    public = anonymous(app).get("/api/challenges/hiv-testing").json()
    assert public["description_html"] == html
    assert "description_md" not in public and "screening_reasons" not in public


def test_edits_are_validated_and_audited(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    bad_zone = org.patch("/api/challenges/hiv-testing", json={"timezone": "Mars/Olympus"})
    assert bad_zone.status_code == 422 and bad_zone.json()["error"]["field"] == "timezone"
    naive = org.patch("/api/challenges/hiv-testing", json={"closes_at": "2027-03-31T23:59:00"})
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "closes_at"
    backwards = org.patch(
        "/api/challenges/hiv-testing",
        json={"closes_at": (utcnow() - timedelta(days=5)).isoformat()},
    )
    assert backwards.status_code == 422 and backwards.json()["error"]["field"] == "closes_at"
    rule = org.patch(
        "/api/challenges/hiv-testing",
        json={"eligibility_rules": [{"kind": "country_in", "field": "country"}]},
    )
    assert rule.status_code == 422
    ok = org.patch(
        "/api/challenges/hiv-testing", json={"title": "HIV self-testing", "grace_minutes": 30}
    )
    assert ok.status_code == 200
    events = org.get(
        "/api/challenges/hiv-testing/audit", params={"action": "challenge.update"}
    ).json()["items"]
    assert [(e["before"], e["after"]) for e in events] == [
        (
            {"title": "HIV testing for young people", "grace_minutes": 0},
            {"title": "HIV self-testing", "grace_minutes": 30},
        )
    ]
    assert events[0]["actor"]["display_name"] == "org"


def test_publish_needs_the_essentials(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    org.post("/api/challenges", json={"title": "Bare call", "slug": "bare"})
    r = org.post("/api/challenges/bare/publish")
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "prompt"
    assert "prompt, opens_at, closes_at" in r.json()["error"]["message"]
    assert r.json()["error"]["details"] == [
        {"field": name, "message": "is required before publishing"}
        for name in ("prompt", "opens_at", "closes_at")
    ]


def test_phase_follows_the_dates(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, opens_in=timedelta(days=1), closes_in=timedelta(days=10))
    assert org.get("/api/challenges/hiv-testing").json()["phase"] == "upcoming"
    now = utcnow()

    def patch(**values):
        r = org.patch(
            "/api/challenges/hiv-testing", json={k: v.isoformat() for k, v in values.items()}
        )
        assert r.status_code == 200, r.text
        return r.json()

    assert patch(opens_at=now - timedelta(days=2))["phase"] == "open"
    body = patch(closes_at=now - timedelta(days=1))
    assert (body["phase"], body["accepting_entries"]) == ("closed", False)
    assert (
        patch(judging_opens_at=now - timedelta(hours=1), judging_closes_at=now + timedelta(days=3))[
            "phase"
        ]
        == "judging"
    )
    assert (
        patch(
            judging_closes_at=now - timedelta(minutes=1),
            voting_opens_at=now - timedelta(seconds=30),
            voting_closes_at=now + timedelta(days=1),
        )["phase"]
        == "voting"
    )


def test_phase_override_needs_a_reason_and_is_audited(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    assert (
        org.post("/api/challenges/hiv-testing/phase", json={"phase": "closed"}).status_code == 422
    )
    r = org.post(
        "/api/challenges/hiv-testing/phase",
        json={"phase": "closed", "reason": "Server outage in Kano"},
    )
    assert (r.json()["phase"], r.json()["phase_override"]) == ("closed", "closed")
    cleared = org.post(
        "/api/challenges/hiv-testing/phase", json={"phase": None, "reason": "Back to the dates"}
    )
    assert cleared.json()["phase"] == "open"
    events = org.get(
        "/api/challenges/hiv-testing/audit", params={"action": "challenge.phase_override"}
    ).json()["items"]
    assert [e["reason"] for e in events] == ["Back to the dates", "Server outage in Kano"]


def test_close_early_and_archive(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    assert org.post("/api/challenges/hiv-testing/close").json()["phase"] == "closed"
    participant = client_for(app, "p@example.org")
    r = participant.post("/api/challenges/hiv-testing/entries", json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_accepting"
    assert org.post("/api/challenges/hiv-testing/archive").json()["phase"] == "archived"
    assert anonymous(app).get("/api/challenges").json()["items"] == []
    archived = anonymous(app).get("/api/challenges", params={"phase": "archived"}).json()["items"]
    assert [c["slug"] for c in archived] == ["hiv-testing"]


def test_clone_copies_content_form_and_committee_never_entries(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    org.post(
        "/api/challenges/hiv-testing/committee",
        json={"name": "Dr. Ada", "affiliation": "LUTH", "role": "Clinician"},
    )
    submitted_entry(client_for(app, "p@example.org"))
    r = org.post(
        "/api/challenges/hiv-testing/clone",
        json={"slug": "hiv-testing-2028", "title": "HIV testing 2028"},
    )
    assert r.status_code == 201
    copy = r.json()
    assert (copy["phase"], copy["prompt"], copy["categories"]) == (
        "draft",
        "How might we make HIV testing easier for young people?",
        ["Community", "Clinic"],
    )
    form = org.get("/api/challenges/hiv-testing-2028/form").json()
    assert [f["key"] for f in form["fields"]] == [
        "idea",
        "country",
        "budget",
        "consent",
        "gender",
        "poster",
    ]
    assert form["locked"] is False
    committee = org.get("/api/challenges/hiv-testing-2028/committee").json()
    assert [(m["name"], m["affiliation"]) for m in committee] == [("Dr. Ada", "LUTH")]
    assert org.get("/api/challenges/hiv-testing-2028/entries/counts").json()["submitted"] == 0


def test_lists_public_and_managed(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, "open-call")
    make_challenge(org, "draft-call", publish=False)
    make_challenge(org, "future-call", opens_in=timedelta(days=3), closes_in=timedelta(days=9))
    public = anonymous(app).get("/api/challenges").json()
    assert [(c["slug"], c["phase"]) for c in public["items"]] == [
        ("future-call", "upcoming"),
        ("open-call", "open"),
    ]
    only_open = anonymous(app).get("/api/challenges", params={"phase": "open"}).json()["items"]
    assert [c["slug"] for c in only_open] == ["open-call"]
    managed = org.get("/api/challenges", params={"scope": "managed"}).json()["items"]
    assert [c["slug"] for c in managed] == ["future-call", "draft-call", "open-call"]
    assert (
        client_for(app, "x@example.org")
        .get("/api/challenges", params={"scope": "managed"})
        .json()["items"]
        == []
    )
    assert anonymous(app).get("/api/challenges", params={"scope": "managed"}).status_code == 401
    page1 = anonymous(app).get("/api/challenges", params={"limit": 1}).json()
    page2 = (
        anonymous(app)
        .get("/api/challenges", params={"limit": 1, "cursor": page1["next_cursor"]})
        .json()
    )
    assert [c["slug"] for c in page1["items"] + page2["items"]] == ["future-call", "open-call"]
    assert page2["next_cursor"] is None
    searched = anonymous(app).get("/api/challenges", params={"q": "HIV"}).json()["items"]
    assert len(searched) == 2


def test_committee_is_public_and_organisers_edit_it(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    a = org.post(
        "/api/challenges/hiv-testing/committee", json={"name": "Chi", "role": "Chair"}
    ).json()
    b = org.post(
        "/api/challenges/hiv-testing/committee",
        json={"name": "Fund Co", "role": "Funder", "voting": False},
    ).json()
    org.patch(
        f"/api/challenges/hiv-testing/committee/{a['id']}", json={"affiliation": "Youth board"}
    )
    public = anonymous(app).get("/api/challenges/hiv-testing/committee").json()
    assert [(m["name"], m["affiliation"], m["voting"]) for m in public] == [
        ("Chi", "Youth board", True),
        ("Fund Co", "", False),
    ]
    assert org.delete(f"/api/challenges/hiv-testing/committee/{b['id']}").status_code == 204
    assert len(anonymous(app).get("/api/challenges/hiv-testing/committee").json()) == 1


def test_roles_co_organisers_and_screeners(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    client_for(app, "co@example.org", name="Co")
    screener = client_for(app, "screen@example.org", name="Screener")
    missing = org.post(
        "/api/challenges/hiv-testing/roles", json={"email": "ghost@example.org", "role": "screener"}
    )
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "email"
    co = org.post(
        "/api/challenges/hiv-testing/roles", json={"email": "CO@example.org", "role": "organiser"}
    )
    assert co.status_code == 201
    org.post(
        "/api/challenges/hiv-testing/roles",
        json={"email": "screen@example.org", "role": "screener"},
    )
    dup = org.post(
        "/api/challenges/hiv-testing/roles",
        json={"email": "screen@example.org", "role": "screener"},
    )
    assert dup.status_code == 409
    roles = org.get("/api/challenges/hiv-testing/roles").json()
    assert sorted((r["display_name"], r["role"]) for r in roles) == [
        ("Co", "organiser"),
        ("Screener", "screener"),
        ("org", "organiser"),
    ]
    assert screener.get("/api/challenges/hiv-testing").json()["my_roles"] == ["screener"]
    assert (
        screener.patch("/api/challenges/hiv-testing", json={"title": "Mine now"}).status_code == 403
    )
    mine = next(r for r in roles if r["display_name"] == "org")
    assert org.delete(f"/api/challenges/hiv-testing/roles/{mine['id']}").status_code == 204
    last = org.get("/api/challenges/hiv-testing").json()
    assert last["my_roles"] == []
    co_client_roles = [r for r in roles if r["display_name"] == "Co"]
    admin = client_for(app, "admin@example.org", admin=True)
    r = admin.delete(f"/api/challenges/hiv-testing/roles/{co_client_roles[0]['id']}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "last_organiser"


def test_countries_carry_income_groups(app: FastAPI) -> None:
    countries = anonymous(app).get("/api/countries").json()
    assert len(countries) == 217
    namibia = next(c for c in countries if c["iso3"] == "NAM")
    assert namibia == {
        "iso2": "NA",
        "iso3": "NAM",
        "name": "Namibia",
        "region": "Sub-Saharan Africa",
        "income_group": "Lower middle income",
    }


def test_countries_come_gzipped_and_cached_for_a_day(app: FastAPI) -> None:
    """The largest answer an entry form loads: compressed when the browser takes it, kept by
    the browser for a day, and checked after with its ETag."""
    import json

    client = anonymous(app)
    packed = client.get("/api/countries", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/api/countries", headers={"Accept-Encoding": "identity"})
    assert (packed.status_code, plain.status_code) == (200, 200)
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert packed.json() == plain.json() == json.loads(plain.content)
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
    for response in (packed, plain):
        assert response.headers["cache-control"] == "public, max-age=86400"
        assert response.headers["vary"] == "Accept-Encoding"
    assert packed.headers["etag"] != plain.headers["etag"]
    again = client.get(
        "/api/countries",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]},
    )
    assert (again.status_code, again.content) == (304, b"")
    stale = client.get("/api/countries", headers={"If-None-Match": '"old"'})
    assert stale.status_code == 200
