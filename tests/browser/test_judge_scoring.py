"""A judge scores in a real Chromium at 360 px: their assignments by round, a blind entry
that never shows its entrants' names, scores chosen with the keyboard and saved as they go,
kept over a reload, then submitted; on the other entry they declare a conflict and the
entry leaves the page. axe checks both pages."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pypdf import PdfReader, PdfWriter
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url, utcnow
from tests.factories import COMPLETE, make_challenge, start_entry

pytestmark = pytest.mark.browser

PASSWORD = "judge password"
SUBMITTER = "Zephyrine Quackenbush"
TEAMMATE = "Octavia Bramblewood"


def _client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Origin": base})


def _login(client: httpx.Client, email: str) -> None:
    r = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text


def _axe(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], page.url


def _poster() -> bytes:
    """A one-page PDF whose metadata names its author."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": SUBMITTER, "/Title": "Poster"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _blind_round_with_a_judge(base: str, database_url: str, mailbox) -> dict[str, Any]:
    """An organiser's call with two eligible entries, a blind open round with two criteria
    (one allowing N/A), a judge who accepted, and the assignment run (one judge per entry)."""
    stamp = int(time.time() * 1000)
    slug = f"scoring-{stamp}"
    organiser = f"org-s{stamp}@example.org"
    entrant = f"entrant-s{stamp}@example.net"
    judge = f"judge-s{stamp}@example.com"
    with _client(base) as anon:
        for email, name in ((organiser, "Olu Organiser"), (entrant, SUBMITTER), (judge, "Jo")):
            r = anon.post(
                "/api/auth/register",
                json={"email": email, "display_name": name, "password": PASSWORD},
            )
            assert r.status_code == 201, r.text
    engine = create_engine(normalise_database_url(database_url))
    with engine.begin() as conn:
        conn.execute(
            text('UPDATE "user" SET email_verified_at = created_at WHERE email IN (:a, :b, :c)'),
            {"a": organiser, "b": entrant, "c": judge},
        )
    engine.dispose()

    with _client(base) as org, _client(base) as ent, _client(base) as jo:
        _login(org, organiser)
        _login(ent, entrant)
        make_challenge(org, slug, max_entries_per_participant=5)  # type: ignore[arg-type]
        entry_ids = []
        for _ in range(2):
            body = {**COMPLETE, "team": [{"name": TEAMMATE}]}
            entry = start_entry(ent, slug, body)  # type: ignore[arg-type]
            r = ent.post(
                f"/api/entries/{entry['id']}/attachments",
                params={"field": "poster", "filename": f"{SUBMITTER} poster.pdf"},
                content=_poster(),
                headers={"Content-Type": "application/pdf"},
            )
            assert r.status_code == 201, r.text
            r = ent.post(f"/api/entries/{entry['id']}/submit")
            assert r.status_code == 200, r.text
            entry_ids.append(entry["id"])
        r = org.post(
            f"/api/challenges/{slug}/screening",
            json={"entry_ids": entry_ids, "eligibility": "eligible"},
        )
        assert r.status_code == 200, r.text

        r = org.post(f"/api/challenges/{slug}/judges", json={"email": judge, "display_name": "Jo"})
        assert r.status_code == 201, r.text
        deadline = time.monotonic() + 20
        while not [m for m in mailbox.to(judge) if "judge" in m["Subject"]]:
            assert time.monotonic() < deadline, "no invitation mail"
            time.sleep(0.1)
        mail = next(m for m in mailbox.to(judge) if "judge" in m["Subject"])
        token = re.search(
            r"token=(\S+)", mail.get_body(preferencelist=("plain",)).get_content()
        ).group(1)
        _login(jo, judge)
        r = jo.post("/api/judge-invitations/accept", json={"token": token})
        assert r.status_code == 200, r.text

        now = utcnow()
        r = org.post(
            f"/api/challenges/{slug}/rounds",
            json={
                "name": "First round",
                "blind": True,
                "judges_per_entry": 1,
                "advancement": {"kind": "top_n", "n": 1},
                "opens_at": (now - timedelta(hours=1)).isoformat(),
                "closes_at": (now + timedelta(days=2)).isoformat(),
                "criteria": [
                    {
                        "name": "Impact",
                        "description": "How much easier it makes testing for young people.",
                        "weight": 2,
                        "scale_min": 1,
                        "scale_max": 10,
                        "scale_step": 1,
                    },
                    {
                        "name": "Feasibility",
                        "description": "Whether it can be done with the means at hand.",
                        "weight": 1,
                        "scale_min": 1,
                        "scale_max": 10,
                        "scale_step": 0.5,
                        "allow_na": True,
                    },
                ],
            },
        )
        assert r.status_code == 201, r.text
        round_id = r.json()["id"]
        r = org.post(f"/api/rounds/{round_id}/assign", json={"seed": 1})
        assert r.status_code == 200 and r.json()["shortfalls"] == [], r.text
        pairs = org.get(f"/api/rounds/{round_id}/assignments").json()
    entry_of = {a["entry_reference"]: a["entry_id"] for a in pairs}
    assert len(entry_of) == 2
    return {
        "judge": judge,
        "entrant": entrant,
        "organiser": organiser,
        "round_id": round_id,
        "references": sorted(entry_of),
        "entry_of": entry_of,
    }


def test_a_judge_scores_one_entry_and_declares_a_conflict_on_the_other(
    page: Page, live_server, smtp_server
) -> None:
    _, mailbox = smtp_server
    base = live_server.url
    world = _blind_round_with_a_judge(base, live_server.database_url, mailbox)
    first, second = world["references"]

    page.goto(f"{base}/login.html?next=/judging.html")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    page.get_by_label("E-mail").fill(world["judge"])
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/judging\.html$"))
    expect(page.get_by_role("heading", name=re.compile("First round"))).to_be_visible()
    expect(page.get_by_text("0 of 2 scorecards submitted")).to_be_visible()
    expect(page.get_by_text("Open for scoring")).to_be_visible()
    _axe(page)

    page.get_by_role("link", name=f"Entry {first}").click()
    page.wait_for_url(re.compile(r".*/assignment\.html\?id=\d+$"))
    expect(
        page.get_by_text("This round is blind: the entrants’ names are hidden from you")
    ).to_be_visible()
    expect(page.get_by_text("Peers hand out kits.")).to_be_visible()
    html = page.content()
    assert SUBMITTER not in html and TEAMMATE not in html
    # The poster comes under a neutral name, without the metadata that names its author.
    poster = page.get_by_role("link", name=f"{first}-poster-1.pdf")
    expect(page.locator("#files")).to_contain_text("Poster")
    with page.expect_download() as download_info:
        poster.click()
    download = download_info.value
    assert download.suggested_filename == f"{first}-poster-1.pdf"
    info = PdfReader(download.path()).metadata or {}
    assert SUBMITTER not in str(dict(info))
    _axe(page)

    # Submitting with nothing chosen names each criterion that lacks a score, with a link.
    page.get_by_role("button", name="Submit the scorecard").click()
    errors = page.locator("#submit-errors")
    expect(errors.get_by_role("link", name=re.compile("^Impact: "))).to_be_visible()
    expect(page.get_by_role("group", name="Impact").locator(".field-error")).not_to_be_empty()

    # Scores chosen with the keyboard: a row of radios moves with the arrow keys.
    impact = page.get_by_role("group", name="Impact")
    impact.get_by_role("radio", name="1", exact=True).focus()
    page.keyboard.press("Space")
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    expect(impact.get_by_role("radio", name="7", exact=True)).to_be_checked()
    # The change takes Impact's message away; Feasibility still lacks a score.
    expect(errors.get_by_role("link", name=re.compile("^Impact: "))).to_have_count(0)
    expect(errors.get_by_role("link", name=re.compile("^Feasibility: "))).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Score for Feasibility")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # N/A
    expect(page.get_by_label("Score for Feasibility")).to_be_disabled()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Comment for the organisers")).to_be_focused()
    page.keyboard.type("Strong plan.\nCosts unclear.")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Feedback for the entrant (optional)")).to_be_focused()
    page.keyboard.type("Show how the kits reach rural clubs.")
    save_state = page.locator("#save-state")
    expect(save_state).to_have_text(re.compile(r"^Saved at "), timeout=20_000)

    page.reload()
    impact = page.get_by_role("group", name="Impact")
    expect(impact.get_by_role("radio", name="7", exact=True)).to_be_checked()
    expect(page.get_by_label("N/A: does not apply to this entry")).to_be_checked()
    expect(page.get_by_label("Comment for the organisers")).to_have_value(
        "Strong plan.\nCosts unclear."
    )
    expect(page.get_by_text("Draft: not submitted yet.")).to_be_visible()

    page.get_by_label("N/A: does not apply to this entry").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_label("Score for Feasibility")).to_be_focused()
    page.keyboard.type("8.5")
    page.keyboard.press("Control+s")
    expect(save_state).to_have_text(re.compile(r"^Saved at "), timeout=20_000)

    # Offline, a change is kept and sent again when the connection returns.
    page.context.set_offline(True)
    page.get_by_label("Feedback for the entrant (optional)").press_sequentially(" Well done.")
    expect(save_state).to_have_text(re.compile(r"^Not saved: no connection — retrying"))
    page.context.set_offline(False)
    expect(save_state).to_have_text(re.compile(r"^Saved at "), timeout=20_000)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#submit-done")).to_contain_text("Scorecard submitted")
    # (2 × 7 + 1 × 8.5) / 3 on the round's 1–10 scale.
    expect(page.locator("#score-line")).to_have_text("Weighted score: 7.5")
    _axe(page)

    page.goto(f"{base}/judging.html")
    expect(page.get_by_text("1 of 2 scorecards submitted")).to_be_visible()
    page.get_by_role("link", name=f"Entry {second}").click()
    page.wait_for_url(re.compile(r".*/assignment\.html\?id=\d+$"))
    expect(page.get_by_text("Peers hand out kits.")).to_be_visible()
    page.get_by_text("Declare a conflict of interest").click()
    page.get_by_label("What is the conflict?").fill("I coached this team last year")
    page.get_by_label("I understand this entry will be taken from me.").check()
    page.get_by_role("button", name="Declare the conflict").click()
    expect(page.get_by_role("heading", name="Conflict declared")).to_be_visible()
    expect(page.get_by_text("The entry has been taken from you")).to_be_visible()
    expect(page.get_by_text("Peers hand out kits.")).to_have_count(0)
    expect(page.locator("#scorecard-form")).to_have_count(0)
    _axe(page)
    page.get_by_role("link", name="Back to my assignments").click()
    page.wait_for_url(re.compile(r".*/judging\.html$"))
    expect(page.get_by_text("1 of 1 scorecard submitted")).to_be_visible()
    expect(page.get_by_role("link", name=f"Entry {second}")).to_have_count(0)

    # The organiser applies the round's decision with the feedback; the entrant reads it.
    with _client(base) as org:
        _login(org, world["organiser"])
        r = org.post(
            f"/api/rounds/{world['round_id']}/advancement/apply",
            json={"notify": False, "release_feedback": True},
        )
        assert r.status_code == 200, r.text
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{base}/login.html?next=/entry.html?id={world['entry_of'][first]}")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    page.get_by_label("E-mail").fill(world["entrant"])
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/entry\.html\?id=\d+$"))
    outcome = page.locator("#outcome")
    expect(outcome.get_by_role("heading", name="First round")).to_be_visible()
    expect(outcome.get_by_text("Advanced to the next round")).to_be_visible()
    expect(outcome.get_by_text("Show how the kits reach rural clubs. Well done.")).to_be_visible()
    expect(outcome.get_by_text("Strong plan.")).to_have_count(0)  # the comment stays private
    _axe(page)

    # Someone who judges nothing sees why their list is empty.
    page.get_by_role("link", name="Judging").click()
    expect(page.get_by_text("You have no entries to judge.")).to_be_visible()
