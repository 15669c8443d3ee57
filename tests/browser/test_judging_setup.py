"""An organiser sets up judging in a real Chromium at 360 px: declares a round with two
criteria from the scale presets and its tie-breaks on rounds.html, edits it, changes a round
that has opened (which asks for a reason), invites judges, detects and records conflicts on
panel.html, and sees it all listed. axe checks both pages; neither scrolls sideways."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url, utcnow

pytestmark = pytest.mark.browser

PASSWORD = "judging password"


def _accounts(live_server, *emails: str) -> None:
    """Register through the API and mark the addresses verified in the database."""
    with httpx.Client(base_url=live_server.url, headers={"Origin": live_server.url}) as c:
        for email in emails:
            r = c.post(
                "/api/auth/register",
                json={"email": email, "display_name": email.split("@")[0], "password": PASSWORD},
            )
            assert r.status_code == 201, r.text
    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        for email in emails:
            conn.execute(
                text('UPDATE "user" SET email_verified_at = created_at WHERE email = :e'),
                {"e": email},
            )
    engine.dispose()


@contextmanager
def _client(base: str, email: str) -> Iterator[httpx.Client]:
    """The API as a logged-in account."""
    with httpx.Client(base_url=base, headers={"Origin": base}) as c:
        r = c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        yield c


def _login(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login.html")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/account\.html$"))


def _axe(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.innerWidth") == 360
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious


def test_organiser_sets_up_rounds_judges_and_conflicts(page: Page, live_server) -> None:
    base = live_server.url
    stamp = int(time.time() * 1000)
    organiser = f"org-j{stamp}@example.org"
    entrant = f"amina@youth{stamp}.org"  # a work domain: a judge sharing it is detected
    slug = f"judging-{stamp}"
    _accounts(live_server, organiser, entrant)
    now = utcnow()
    with _client(base, organiser) as org, _client(base, entrant) as ent:
        r = org.post(
            "/api/challenges",
            json={
                "title": "Judging call",
                "slug": slug,
                "prompt": "How might we judge fairly?",
                "timezone": "Africa/Lagos",
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=9)).isoformat(),
            },
        )
        assert r.status_code == 201, r.text
        assert org.post(f"/api/challenges/{slug}/publish").status_code == 200
        entry = ent.post(f"/api/challenges/{slug}/entries", json={"title": ""}).json()
        r = ent.patch(
            f"/api/entries/{entry['id']}",
            json={
                "title": "Testing days in youth clubs",
                "summary": "Peers run testing days.",
                "licence_accepted": True,
            },
        )
        assert r.status_code == 200, r.text
        r = ent.post(f"/api/entries/{entry['id']}/submit")
        assert r.status_code == 200, r.text
        reference = r.json()["reference"]

    _login(page, base, organiser)

    # ------------------------------------------------------------ a round, declared in full
    page.goto(f"{base}/rounds.html?slug={slug}")
    expect(page.get_by_text("No rounds yet.")).to_be_visible()
    _axe(page)
    add = page.locator("#add-form")
    add.get_by_label("Name of the round").fill("Expert review")
    add.get_by_label("Opens (optional)").fill("2099-01-10T09:00")
    add.get_by_label("Closes (optional)").fill("2099-01-31T17:00")
    expect(
        add.get_by_text(re.compile(r"In the call’s time zone: .*Africa/Lagos")).first
    ).to_be_visible()
    add.get_by_label("Judges per entry").fill("3")
    add.get_by_label("Normalise each judge’s scores").check()
    add.get_by_label("The top N entries overall").check()
    add.get_by_label("N: how many entries advance").fill("5")
    add.get_by_label("Flag disagreement above (% of the scale)").fill("25")
    rows = add.get_by_test_id("criterion-row")
    rows.nth(0).get_by_label("Criterion name").fill("Impact")
    rows.nth(0).get_by_label("Weight").fill("2")
    rows.nth(0).get_by_label("Scale").select_option(label="1 to 10")
    add.get_by_role("button", name="Add a criterion").click()
    rows.nth(1).get_by_label("Criterion name").fill("Feasibility")
    rows.nth(1).get_by_label("Scale").select_option(label="0, 1 or 2 points")
    rows.nth(1).get_by_label("Judges may answer “not applicable”").check()
    # A tie-break on Impact, moved to the front of the order.
    add.get_by_role("button", name="Add a tie-break").click()
    expect(add.get_by_label("Tie-break 3")).to_have_value("row:0")
    add.locator(".tie").nth(2).get_by_role("button", name="Move up").click()
    add.locator(".tie").nth(1).get_by_role("button", name="Move up").click()
    expect(add.get_by_label("Tie-break 1")).to_have_value("row:0")
    # A mistake is shown next to its field and nothing typed is lost.
    add.get_by_label("N: how many entries advance").fill("")
    add.get_by_role("button", name="Add the round").click()
    expect(add.locator("[id='new-advancement.n-error']")).to_contain_text("how many entries")
    expect(rows.nth(1).get_by_label("Criterion name")).to_have_value("Feasibility")
    add.get_by_label("N: how many entries advance").fill("5")
    add.get_by_role("button", name="Add the round").click()

    card = page.get_by_test_id("round").first
    expect(card.get_by_role("heading", name="Expert review", exact=True)).to_be_focused()
    expect(page.locator("#rounds-status")).to_have_text(
        "Added the round “Expert review” as round 1."
    )
    expect(card.get_by_text("The top 5 entries overall")).to_be_visible()
    expect(card.locator(".tie-order li")).to_have_text(
        ["Higher score on “Impact”", "More scorecards", "The organisers’ recorded choice"]
    )
    expect(card.get_by_test_id("criterion").locator("h5")).to_have_text(["Impact", "Feasibility"])
    expect(card.get_by_role("link", name="Assignments and progress")).to_have_attribute(
        "href", re.compile(rf"/assignments\.html\?slug={slug}&round=\d+$")
    )
    expect(card.get_by_role("link", name="Ranking and advancement")).to_have_attribute(
        "href", re.compile(rf"/ranking\.html\?slug={slug}&round=\d+$")
    )
    _axe(page)

    # ------------------------------------------------------------ edited before it opens
    card.get_by_role("button", name="Edit the rules").click()
    card.get_by_label("N: how many entries advance").fill("8")
    card.get_by_label("Blind: judges see nothing that identifies the entrants").uncheck()
    _axe(page)
    card.get_by_role("button", name="Save the rules").click()
    expect(card.get_by_text("The top 8 entries overall")).to_be_visible()
    expect(card.get_by_role("button", name="Edit the rules")).to_be_focused()
    impact = card.get_by_test_id("criterion").first
    impact.get_by_role("button", name="Edit").click()
    impact.get_by_label("What judges look for (optional)").fill("How many young people it reaches")
    impact.get_by_label("Weight").fill("3")
    impact.get_by_role("button", name="Save the criterion").click()
    expect(page.locator("#rounds-status")).to_have_text("Saved the criterion “Impact”.")
    expect(card.get_by_text("3 (75% of the score)")).to_be_visible()

    with _client(base, organiser) as org:
        [declared] = org.get(f"/api/challenges/{slug}/rounds").json()
        impact_id = declared["criteria"][0]["id"]
        assert {k: declared[k] for k in ("name", "judges_per_entry", "blind", "normalise")} == {
            "name": "Expert review",
            "judges_per_entry": 3,
            "blind": False,
            "normalise": True,
        }
        assert (declared["opens_at"] is not None, declared["frozen"]) == (True, False)
        assert declared["advancement"] == {"kind": "top_n", "n": 8}
        assert declared["disagreement_share"] == 0.25
        assert declared["tie_breaks"] == [
            {"kind": "criterion", "criterion_id": impact_id},
            {"kind": "scorecards"},
            {"kind": "organiser"},
        ]
        assert [
            (
                c["name"],
                c["description"],
                c["weight"],
                c["scale_min"],
                c["scale_max"],
                c["scale_step"],
                c["allow_na"],
            )
            for c in declared["criteria"]
        ] == [
            ("Impact", "How many young people it reaches", 3.0, 1.0, 10.0, 1.0, False),
            ("Feasibility", "", 1.0, 0.0, 2.0, 1.0, True),
        ]
        # A second round that has opened already: its rules are frozen.
        r = org.post(
            f"/api/challenges/{slug}/rounds",
            json={
                "name": "Community panel",
                "opens_at": (now - timedelta(hours=1)).isoformat(),
                "closes_at": (now + timedelta(days=7)).isoformat(),
                "criteria": [{"name": "Relevance", "preset": "likert-3"}, {"name": "Reach"}],
            },
        )
        assert r.status_code == 201, r.text
        frozen_id = r.json()["id"]
        assert org.post(f"/api/challenges/{slug}/rounds", json={"name": "Spare"}).status_code == 201

    # ------------------------------------------------------------ only the last round goes
    page.reload()
    expect(page.get_by_test_id("round")).to_have_count(3)
    frozen = page.get_by_test_id("round").nth(1)
    expect(frozen.get_by_text("This round has opened, so its rules are frozen.")).to_be_visible()
    expect(frozen.get_by_role("button", name="Delete the round")).to_have_count(0)
    expect(card.get_by_role("button", name="Delete the round")).to_have_count(0)
    spare = page.get_by_test_id("round").nth(2)
    spare.get_by_role("button", name="Delete the round").click()
    spare.get_by_role("button", name="Yes, delete the round").click()
    expect(page.locator("#rounds-status")).to_have_text("Deleted the round “Spare”.")
    expect(page.get_by_test_id("round")).to_have_count(2)
    expect(page.locator("#rounds-heading")).to_be_focused()

    # ------------------------------------------------------------ a frozen round asks why
    frozen.get_by_role("button", name="Edit the rules").click()
    frozen.get_by_label("Judges per entry").fill("4")
    frozen.get_by_role("button", name="Save the rules").click()
    expect(frozen.locator(f"[id='r{frozen_id}-reason-error']")).to_contain_text("Say why")
    expect(frozen.get_by_label("Judges per entry")).to_have_value("4")
    frozen.get_by_label("Why must this change?").fill("Too few judges for the entries")
    frozen.get_by_role("button", name="Save the rules").click()
    expect(page.locator("#rounds-status")).to_have_text("Saved the rules of “Community panel”.")
    expect(frozen.locator(".round-facts")).to_contain_text("4")
    reach = frozen.get_by_test_id("criterion").nth(1)
    reach.get_by_role("button", name="Delete").click()
    reach.get_by_label("Why must this change?").fill("Reach is not ours to judge")
    reach.get_by_role("button", name="Delete the criterion").click()
    expect(page.locator("#rounds-status")).to_have_text("Deleted the criterion “Reach”.")
    expect(frozen.get_by_test_id("criterion").locator("h5")).to_have_text(["Relevance"])
    _axe(page)

    with _client(base, organiser) as org:
        rounds = org.get(f"/api/challenges/{slug}/rounds").json()
        assert [(r["name"], r["judges_per_entry"], len(r["criteria"])) for r in rounds] == [
            ("Expert review", 3, 2),
            ("Community panel", 4, 1),
        ]
        events = org.get(f"/api/challenges/{slug}/audit").json()["items"]
        reasons = [(e["action"], e["reason"]) for e in events if e["object_type"] != "challenge"]
        assert reasons[:2] == [
            ("criterion.delete", "Reach is not ours to judge"),
            ("round.update", "Too few judges for the entries"),
        ]

    # ------------------------------------------------------------ the panel
    page.goto(f"{base}/panel.html?slug={slug}")
    expect(page.get_by_text("No judges yet.")).to_be_visible()
    _axe(page)
    invite = page.locator("#invite-form")
    invite.get_by_label("E-mail").fill(f"ada@youth{stamp}.org")
    invite.get_by_label("Name", exact=True).fill("Ada Judge")
    invite.get_by_label("clinician").check()
    invite.get_by_label("youth").check()
    invite.get_by_label("Other perspectives (optional)").fill("Nurse")
    invite.get_by_label("Languages (optional)").fill("en, fr")
    invite.get_by_label("Most entries to judge (optional)").fill("10")
    invite.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#invite-form [role=status]")).to_contain_text("Invited Ada Judge")
    invite = page.locator("#invite-form")
    expect(invite.get_by_label("E-mail")).to_be_focused()
    expect(invite.get_by_label("E-mail")).to_have_value("")
    invite.get_by_label("E-mail").fill("ben@example.org")
    invite.get_by_label("Name", exact=True).fill("Ben Judge")
    invite.get_by_label("community member").check()
    invite.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_test_id("judge")).to_have_count(2)
    # The same address twice is refused next to the e-mail field, keeping what was typed.
    invite = page.locator("#invite-form")
    invite.get_by_label("E-mail").fill("ben@example.org")
    invite.get_by_label("Name", exact=True).fill("Ben again")
    invite.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("[id='invite-email-error']")).to_contain_text("on the panel already")
    expect(invite.get_by_label("Name", exact=True)).to_have_value("Ben again")

    ada = page.get_by_test_id("judge").filter(has_text="Ada Judge")
    expect(ada).to_contain_text("clinician, youth, nurse")
    expect(ada).to_contain_text("en, fr")
    ben = page.get_by_test_id("judge").filter(has_text="Ben Judge")
    ben.get_by_role("button", name="Edit").click()
    ben.get_by_label("Most entries to judge (optional)").fill("4")
    ben.get_by_label("researcher").check()
    _axe(page)
    ben.get_by_role("button", name="Save the judge").click()
    expect(page.locator("#judges-status")).to_have_text("Saved Ben Judge.")
    expect(ben).to_contain_text("community member, researcher")
    ben.get_by_role("button", name="Withdraw from the panel").click()
    expect(ben.locator(".badge")).to_have_text("Withdrawn")
    ben.get_by_role("button", name="Reinstate").click()
    expect(ben.locator(".badge")).to_have_text("Invited")
    expect(page.locator("#panel-summary")).to_contain_text("2 judges: 0 active, 2 invited")

    # Detect: Ada shares the entrant's work e-mail domain.
    page.get_by_role("button", name="Detect conflicts").click()
    expect(page.locator("#conflicts-status")).to_contain_text("Found 1 new conflict")
    expect(page.locator("#conflicts-status")).to_contain_text(f"Ada Judge and {reference}")
    # Record one by hand: Ben and the entry, found by its reference.
    record = page.locator("#record-form")
    record.get_by_label("Judge").select_option(label="Ben Judge")
    record.get_by_label("Find the entry").fill(reference)
    expect(record.get_by_text("1 submitted entry matches.")).to_be_visible()
    record.get_by_label("Entry", exact=True).select_option(
        label=f"{reference}: Testing days in youth clubs"
    )
    record.get_by_label("Reason").fill("Ben supervised the entrant")
    record.get_by_role("button", name="Record the conflict").click()
    expect(record.get_by_role("status")).to_have_text(f"Recorded: Ben Judge and {reference}.")
    rows = page.locator("#conflict-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Recorded by organisers")
    expect(rows.nth(1)).to_contain_text("Ben supervised the entrant")
    # Recording it twice is refused next to the entry.
    record.get_by_label("Entry", exact=True).select_option(
        label=f"{reference}: Testing days in youth clubs"
    )
    record.get_by_label("Reason").fill("Again")
    record.get_by_role("button", name="Record the conflict").click()
    expect(page.locator("[id='conflict-entry_id-error']")).to_contain_text("recorded already")
    _axe(page)

    with _client(base, organiser) as org:
        register = org.get(f"/api/challenges/{slug}/conflicts").json()
        assert [(c["judge_name"], c["entry_reference"], c["source"]) for c in register] == [
            ("Ada Judge", reference, "detected"),
            ("Ben Judge", reference, "organiser"),
        ]
        panel = org.get(f"/api/challenges/{slug}/judges").json()
        assert sorted(
            (j["display_name"], j["tags"], j["languages"], j["max_load"], j["status"])
            for j in panel
        ) == [
            ("Ada Judge", ["clinician", "youth", "nurse"], ["en", "fr"], 10, "invited"),
            ("Ben Judge", ["community member", "researcher"], [], 4, "invited"),
        ]
