"""The voter's journey from an empty database, through the pages only, in a real Chromium at
360 px. Set up through the API: an organiser's call with three entries screened eligible and a
fourth not screened, its public vote open with two votes each. A new voter registers from the
home page and verifies by the link the test SMTP server received, finds the call by searching
the list, follows the call page to the ballot, votes twice, is refused a third vote with the
reason beside that entry, retracts one vote and uses it again, and finds the choices kept after
a reload. axe and the 360 px check on every page."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from app.core.db import utcnow
from tests.browser.test_dashboard_page import _people
from tests.browser.test_journey_entrant import register_and_verify
from tests.browser.test_results_journey import (  # noqa: F401
    _checked,
    _client,
    _ok,
    new_page,
)
from tests.factories import COMPLETE, make_challenge, start_entry

pytestmark = pytest.mark.browser

CALL = "Mental health at school"
FORM = [
    {"key": "idea", "type": "long_text", "label": "Your idea", "required": True, "public": True},
    {"key": "country", "type": "country", "label": "Country", "required": True},
    {"key": "consent", "type": "checkbox", "label": "I consent to sharing", "required": True},
]
ENTRIES = [
    ("Peer listeners in every class", "Community", "Pupils trained to listen."),
    ("A quiet room at lunch", "Clinic", "A room with a counsellor at lunch."),
    ("Text line for worries", "Community", "A free text line answered by nurses."),
    ("Not screened yet", "Clinic", "Kept off the ballot."),
]


def _call_in_its_vote(server: Any, stamp: str) -> dict[str, str]:
    """A published call, three entries eligible and one not screened, the vote open with two
    votes each (API). Returns title → reference of the entries on the ballot."""
    email = _people(server, {"org": "Olu Organiser", "ent": "Esi Entrant"}, stamp)
    slug = f"vote-{stamp}"
    base = server.url
    with _client(base, email["org"]) as org, _client(base, email["ent"]) as ent:
        make_challenge(
            org,  # type: ignore[arg-type]
            slug,
            form=FORM,
            title=CALL,
            prompt="How might we help pupils talk about their worries?",
            reference_prefix="MHS",
            max_entries_per_participant=5,
        )
        entries = []
        for title, category, summary in ENTRIES:
            body = {**COMPLETE, "title": title, "summary": summary, "category": category}
            entry = start_entry(ent, slug, body)  # type: ignore[arg-type]
            entries.append(_ok(ent.post(f"/api/entries/{entry['id']}/submit")))
        _ok(
            org.post(
                f"/api/challenges/{slug}/screening",
                json={"entry_ids": [e["id"] for e in entries[:3]], "eligibility": "eligible"},
            )
        )
        _ok(
            org.patch(
                f"/api/challenges/{slug}/voting", json={"enabled": True, "votes_per_voter": 2}
            )
        )
        now = utcnow()
        window = {
            "voting_opens_at": (now - timedelta(hours=1)).isoformat(),
            "voting_closes_at": (now + timedelta(days=2)).isoformat(),
        }
        _ok(org.patch(f"/api/challenges/{slug}", json=window))
    return {e["title"]: e["reference"] for e in entries[:3]} | {"slug": slug}


def _card(page: Page, title: str) -> Locator:
    return page.get_by_test_id("ballot-entry").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def _vote(card: Locator) -> Locator:
    return card.get_by_role("button", name=re.compile(r"^Vote for "))


def _retract(card: Locator) -> Locator:
    return card.get_by_role("button", name=re.compile(r"^Retract my vote for "))


def test_the_voter_journey(
    new_page: Any,  # noqa: F811
    fresh_server,
    smtp_server,
) -> None:
    _, mailbox = smtp_server
    base = fresh_server.url
    stamp = secrets.token_hex(3)
    world = _call_in_its_vote(fresh_server, stamp)
    slug = world.pop("slug")
    peers, room, text_line = (ENTRIES[n][0] for n in range(3))
    page = new_page()

    # ------------------------------------------------------------ register and verify
    register_and_verify(page, base, mailbox, f"vera-{stamp}@example.com", "Vera Voter")

    # ------------------------------------------------------------ find the call, then its ballot
    page.get_by_role("link", name="OpenCall", exact=True).click()
    page.wait_for_url(f"{base}/")
    expect(page.locator("#greeting")).to_have_text("Welcome back, Vera Voter.")
    page.get_by_role("link", name="Browse open calls").click()
    page.wait_for_url(re.compile(r".*/challenges\.html$"))
    page.get_by_label("Search calls").fill("mental health")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#search-summary")).to_contain_text("mental health")
    expect(page.get_by_role("link", name=CALL)).to_have_count(1)
    _checked(page)
    page.get_by_role("link", name=CALL).click()
    page.wait_for_url(re.compile(rf".*/challenge\.html\?slug={slug}$"))
    vote_section = page.locator("section[aria-labelledby=vote-heading]")
    expect(vote_section).to_contain_text("Voting is open until")
    _checked(page)
    vote_section.get_by_role("link", name="Vote for your favourites").click()
    page.wait_for_url(re.compile(rf".*/ballot\.html\?slug={slug}$"))

    # ------------------------------------------------------------ the ballot
    left = page.locator("#votes-left")
    expect(left).to_have_text("You have 2 of 2 votes left.")
    expect(page.get_by_test_id("ballot-entry")).to_have_count(3)
    expect(page.locator("#list-status")).to_have_text("3 entries on the ballot.")
    expect(page.get_by_text("Not screened yet")).to_have_count(0)
    expect(_card(page, peers)).to_contain_text(world[peers])
    expect(_card(page, peers).locator(".entry-answers")).to_contain_text("Your idea")
    _checked(page)

    # ------------------------------------------------------------ two votes, then refused
    _vote(_card(page, peers)).click()
    expect(left).to_have_text("You have 1 of 2 votes left.")
    expect(_card(page, peers).locator(".vote-state")).to_have_text("You voted for this entry.")
    expect(_retract(_card(page, peers))).to_be_focused()
    _vote(_card(page, room)).click()
    expect(left).to_have_text("You have 0 of 2 votes left.")
    _vote(_card(page, text_line)).click()
    expect(_card(page, text_line).locator(".entry-alert")).to_have_text(
        "You have used all 2 votes; retract one to vote again. See your votes."
    )
    expect(left).to_have_text("You have 0 of 2 votes left.")
    mine = page.locator("#mine-list li")
    expect(mine).to_have_count(2)
    _checked(page)

    # ------------------------------------------------------------ retract, vote again
    _retract(_card(page, peers)).click()
    expect(left).to_have_text("You have 1 of 2 votes left.")
    expect(_card(page, peers).locator(".vote-state")).to_have_text("You took your vote back.")
    expect(mine).to_have_count(1)
    expect(page.locator("#mine-list")).to_contain_text(f"{room} ({world[room]})")
    _vote(_card(page, text_line)).click()
    expect(left).to_have_text("You have 0 of 2 votes left.")
    expect(_card(page, text_line).locator(".vote-state")).to_have_text("You voted for this entry.")

    # ------------------------------------------------------------ kept after a reload
    page.reload()
    expect(left).to_have_text("You have 0 of 2 votes left.")
    expect(mine).to_have_count(2)
    expect(_vote(_card(page, peers))).to_be_visible()
    expect(_retract(_card(page, room))).to_be_visible()
    expect(_retract(_card(page, text_line))).to_be_visible()
    _checked(page)
