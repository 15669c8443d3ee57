"""The public vote in a real Chromium at 360 px: an organiser turns voting on with two votes
each on voting.html (and is told, next to the field, that the number is fixed once voting has
opened); a visitor sees the ballot without loading any image, logs in from it and votes
twice, is refused a third vote with the reason next to that entry, and takes one back; a burst
of new accounts holds votes, which the voter sees honestly; an unverified account is told to
verify; the organiser sees the counts and releases the held votes with a reason. axe checks
both pages; neither scrolls sideways."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url, utcnow
from tests.factories import COMPLETE, make_challenge, start_entry

pytestmark = pytest.mark.browser

PASSWORD = "voting password"
FORM = [
    {"key": "idea", "type": "long_text", "label": "Your idea", "required": True, "public": True},
    {"key": "country", "type": "country", "label": "Country", "required": True},
    {"key": "consent", "type": "checkbox", "label": "I consent to sharing", "required": True},
    {
        "key": "poster",
        "type": "file",
        "label": "Poster",
        "public": True,
        "config": {"accept": ["image"], "max_size_mb": 1, "max_files": 1},
    },
]
ENTRIES = [
    ("Self-test kits in youth clubs", "Community", "Peers hand out kits after football."),
    ("Clinic evening hours", "Clinic", "Open the clinic after school."),
    ("Radio drama about testing", "Community", "A weekly story on local radio."),
]


def _accounts(live_server, verified: list[str], unverified: list[str]) -> None:
    """Register through the API; mark the first list's addresses verified in the database."""
    with httpx.Client(base_url=live_server.url, headers={"Origin": live_server.url}) as c:
        for email in verified + unverified:
            r = c.post(
                "/api/auth/register",
                json={"email": email, "display_name": email.split("@")[0], "password": PASSWORD},
            )
            assert r.status_code == 201, r.text
    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        for email in verified:
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


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (11, 110, 105)).save(out, format="PNG")
    return out.getvalue()


def _call_with_entries(base: str, organiser: str, entrant: str, slug: str) -> list[dict[str, Any]]:
    """A published call with three entries screened eligible (the first with a public poster)
    and a fourth submitted but not screened; the voting window open since an hour ago."""
    with _client(base, organiser) as org, _client(base, entrant) as ent:
        make_challenge(org, slug, form=FORM, max_entries_per_participant=5)  # type: ignore[arg-type]
        entries = []
        for i, (title, category, summary) in enumerate(
            [*ENTRIES, ("Not screened", "Clinic", "Kept off the ballot.")]
        ):
            body = {**COMPLETE, "title": title, "summary": summary, "category": category}
            entry = start_entry(ent, slug, body)  # type: ignore[arg-type]
            if i == 0:
                r = ent.post(
                    f"/api/entries/{entry['id']}/attachments",
                    params={"field": "poster", "filename": "poster.png"},
                    content=_png(),
                    headers={"Content-Type": "image/png"},
                )
                assert r.status_code == 201, r.text
            r = ent.post(f"/api/entries/{entry['id']}/submit")
            assert r.status_code == 200, r.text
            entries.append(r.json())
        r = org.post(
            f"/api/challenges/{slug}/screening",
            json={"entry_ids": [e["id"] for e in entries[:3]], "eligibility": "eligible"},
        )
        assert r.status_code == 200, r.text
        now = utcnow()
        r = org.patch(
            f"/api/challenges/{slug}",
            json={
                "voting_opens_at": (now - timedelta(hours=1)).isoformat(),
                "voting_closes_at": (now + timedelta(days=2)).isoformat(),
            },
        )
        assert r.status_code == 200, r.text
        return entries[:3]


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


def _card(page: Page, title: str) -> Locator:
    return page.get_by_test_id("ballot-entry").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def _vote_button(card: Locator) -> Locator:
    return card.get_by_role("button", name=re.compile(r"^Vote for "))


def _retract_button(card: Locator) -> Locator:
    return card.get_by_role("button", name=re.compile(r"^Retract my vote for "))


def test_organiser_opens_the_vote_and_voters_vote(page: Page, live_server) -> None:
    base = live_server.url
    stamp = int(time.time() * 1000)
    slug = f"vote-{stamp}"
    organiser, entrant = f"org-v{stamp}@example.org", f"ent-v{stamp}@example.org"
    voter, second, unverified = (
        f"voter-{stamp}@example.net",
        f"second-{stamp}@example.net",
        f"unverified-{stamp}@example.net",
    )
    _accounts(live_server, [organiser, entrant, voter, second], [unverified])
    kits, clinic, radio = _call_with_entries(base, organiser, entrant, slug)

    # ------------------------------------------------------------ the organiser turns it on
    _login(page, base, organiser)
    page.goto(f"{base}/voting.html?slug={slug}")
    expect(page.locator("#window-state")).to_contain_text("Off")
    expect(page.get_by_role("link", name="Public vote")).to_have_attribute("aria-current", "page")
    expect(
        page.get_by_role("link", name="Change the voting dates on the settings page")
    ).to_have_attribute("href", f"/challenge-edit.html?slug={slug}#timeline-heading")
    expect(page.get_by_text("No votes yet.")).to_be_visible()
    _axe(page)
    form = page.locator("#rules-form")
    form.get_by_label("Run a public vote on this call").check()
    expect(form.get_by_label("Every entry screened eligible")).to_be_checked()
    form.get_by_label("The entries advanced from a judging round").check()
    expect(form.get_by_label("Round", exact=True)).to_be_visible()
    form.get_by_role("button", name="Save the voting rules").click()
    expect(page.locator("#ballot_round_id-error")).to_have_text(
        "Choose the round whose advanced entries are on the ballot."
    )
    form.get_by_label("Every entry screened eligible").check()
    expect(form.get_by_label("Round", exact=True)).to_be_hidden()
    form.get_by_label("Votes each person has").fill("2")
    form.get_by_label("Burst: new accounts on one network").fill("2")
    form.get_by_role("button", name="Save the voting rules").click()
    expect(form.locator("[data-status]")).to_have_text(
        "Saved the voting rules. Voting is open now."
    )
    expect(page.locator("#window-state")).to_contain_text("Open")
    expect(page.locator("#fixed-note")).to_contain_text("can no longer change")
    # Once open, the number of votes is fixed: the refusal is shown next to its field.
    form.get_by_label("Votes each person has").fill("3")
    form.get_by_role("button", name="Save the voting rules").click()
    expect(page.locator("#votes_per_voter-error")).to_have_text(
        "Voting has opened; votes per voter can no longer change."
    )
    expect(form.get_by_label("Votes each person has")).to_have_attribute("aria-invalid", "true")
    with _client(base, organiser) as org:
        rules = org.get(f"/api/challenges/{slug}/voting").json()
    assert {k: rules[k] for k in ("enabled", "state", "votes_per_voter", "burst_accounts")} == {
        "enabled": True,
        "state": "open",
        "votes_per_voter": 2,
        "burst_accounts": 2,
    }

    # ------------------------------------------------------------ the public page points to it
    page.context.clear_cookies()
    page.goto(f"{base}/challenge.html?slug={slug}")
    link = page.get_by_role("link", name="Vote for your favourites")
    expect(link).to_have_attribute("href", f"/ballot.html?slug={slug}")
    expect(page.locator("section[aria-labelledby=vote-heading]")).to_contain_text(
        "Voting is open until"
    )
    link.click()

    # ------------------------------------------------------------ a visitor sees the ballot
    page.wait_for_url(re.compile(r".*/ballot\.html\?slug="))
    expect(page.locator("#votes-left")).to_have_text("Each person has 2 votes.")
    expect(page.locator("#voter-note")).to_have_text("Log in to vote or create an account.")
    expect(page.get_by_test_id("ballot-entry")).to_have_count(3)
    expect(page.locator("#list-status")).to_have_text("3 entries on the ballot.")
    card = _card(page, ENTRIES[0][0])
    expect(card).to_contain_text(kits["reference"])
    expect(card.locator(".entry-answers")).to_have_text(re.compile(r"^Your idea\s*Peers hand out"))
    expect(card).not_to_contain_text("Country")  # not a public question
    expect(
        card.get_by_role("link", name="Creative Commons Attribution 4.0 (CC BY 4.0)")
    ).to_be_visible()
    download = card.get_by_role("link", name="Download Poster")
    expect(download).to_have_attribute("href", re.compile(r"/api/challenges/.+/ballot/files/\d+$"))
    expect(card).to_contain_text(re.compile(r"\(PNG image, \d+ bytes\)"))
    # Nothing heavy until asked: no image on the page, then the one the visitor asks for.
    expect(page.locator("img")).to_have_count(0)
    card.get_by_role("button", name=re.compile(r"^Show the image here")).click()
    image = card.get_by_role("img", name=f"Poster of “{ENTRIES[0][0]}”")
    expect(image).to_be_visible()
    expect(image).to_have_js_property("naturalWidth", 40)  # fetched and decoded
    _vote_button(card).click()
    expect(card.locator(".entry-alert")).to_have_text(
        "You need an account to vote. Log in or create an account."
    )
    _axe(page)

    # ------------------------------------------------------------ the voter logs in from it
    page.get_by_role("link", name="Log in to vote").click()
    page.get_by_label("E-mail").fill(voter)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf".*/ballot\.html\?slug={slug}$"))
    left = page.locator("#votes-left")
    expect(left).to_have_text("You have 2 of 2 votes left.")
    expect(left).to_have_attribute("role", "status")

    # Search and the category filter.
    page.get_by_label("Search", exact=True).fill("clinic")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_test_id("ballot-entry")).to_have_count(1)
    expect(page.locator("#list-status")).to_have_text("1 entry matches.")
    expect(page).to_have_url(re.compile(r"[?&]q=clinic"))
    page.get_by_role("button", name="Show every entry").click()
    page.get_by_label("Category").select_option("Community")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_test_id("ballot-entry").locator(".entry-meta")).to_have_text(
        [f"{kits['reference']} · Community", f"{radio['reference']} · Community"]
    )
    page.get_by_label("Category").select_option("")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_test_id("ballot-entry")).to_have_count(3)

    # Two votes, then none left.
    first, second_card, third = (_card(page, title) for title, _, _ in ENTRIES)
    _vote_button(first).click()
    expect(left).to_have_text("You have 1 of 2 votes left.")
    expect(first.locator(".vote-state")).to_have_text("You voted for this entry.")
    expect(_retract_button(first)).to_be_focused()
    _vote_button(second_card).click()
    expect(left).to_have_text("You have 0 of 2 votes left.")
    _vote_button(third).click()
    expect(third.locator(".entry-alert")).to_have_text(
        "You have used all 2 votes; retract one to vote again. See your votes."
    )
    expect(left).to_have_text("You have 0 of 2 votes left.")
    _axe(page)
    # One taken back: a vote to use again.
    _retract_button(first).click()
    expect(left).to_have_text("You have 1 of 2 votes left.")
    expect(first.locator(".vote-state")).to_have_text("You took your vote back.")
    expect(_vote_button(first)).to_be_visible()
    expect(page.locator("#mine-list li")).to_have_count(1)
    expect(page.locator("#mine-list")).to_contain_text(f"{ENTRIES[1][0]} ({clinic['reference']})")

    # A second new account on the same network makes a burst: both votes are held.
    with _client(base, second) as other:
        r = other.post(f"/api/challenges/{slug}/votes", json={"entry_id": clinic["id"]})
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "held"
    page.reload()
    expect(second_card.locator(".vote-state")).to_have_text(
        "Your vote was received and is held for review: the organisers check votes from "
        "bursts of new accounts before they count."
    )
    expect(page.locator("#mine-list")).to_contain_text("received, held for review")
    expect(left).to_have_text("You have 1 of 2 votes left.")

    # ------------------------------------------------------------ an unverified account
    page.context.clear_cookies()
    _login(page, base, unverified)
    page.goto(f"{base}/ballot.html?slug={slug}")
    expect(page.locator("#voter-note")).to_contain_text(
        "Verify your e-mail address before you vote"
    )
    expect(
        page.locator("#voter-note").get_by_role("link", name="your account page")
    ).to_have_attribute("href", "/account.html")
    card = _card(page, ENTRIES[2][0])
    _vote_button(card).click()
    expect(card.locator(".entry-alert")).to_have_text(
        "Verify your e-mail address before voting: open the link we sent you. "
        "Get a new link on your account page."
    )
    expect(page.locator("#votes-left")).to_have_text("You have 2 of 2 votes left.")

    # ------------------------------------------------------------ the organiser's counts
    page.context.clear_cookies()
    _login(page, base, organiser)
    page.goto(f"{base}/voting.html?slug={slug}")
    expect(page.locator("#count-totals .count")).to_have_text(
        ["0Counted", "2Held for review", "0Discarded", "2Voters"]
    )
    row = page.locator(f"#tally-rows tr[data-entry-id='{clinic['id']}']")
    expect(row.locator("th, td")).to_have_text(
        [clinic["reference"], ENTRIES[1][0], "Clinic", "0", "2", "0"]
    )
    expect(page.locator("#tally-rows tr")).to_have_count(1)
    expect(page.locator("#tally-more")).to_be_hidden()  # one page: every voted entry shown
    groups = page.get_by_test_id("held-group")
    expect(groups).to_have_count(1)
    expect(groups.first.get_by_test_id("held-vote")).to_have_count(2)
    expect(groups.first).to_contain_text("Why held: 2 accounts younger than 48 h voted")
    _axe(page)
    review = page.locator("#review-form")
    review.get_by_role("button", name="Discard the selected votes").click()
    expect(review.locator("[data-alert]")).to_have_text("Tick the votes to discard first.")
    expect(page.locator("#review-reason-error")).to_have_text(
        "Say why, in a few words (at least 3 characters)."
    )
    groups.first.get_by_label("Select all 2 votes from this network").check()
    expect(page.locator("#held-selected")).to_have_text("2 votes selected.")
    review.get_by_label("Reason").fill("Classmates voting together from the school network")
    review.get_by_role("button", name="Release the selected votes").click()
    expect(page.locator("#review-status")).to_have_text("Released 2 votes into the count.")
    expect(page.get_by_text("No votes are held for review.")).to_be_visible()
    expect(row.locator("td.number")).to_have_text(["2", "0", "0"])
    expect(page.locator("#count-totals .count")).to_have_text(
        ["2Counted", "0Held for review", "0Discarded", "2Voters"]
    )
    _axe(page)
