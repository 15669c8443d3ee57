"""The judge's journey, from an empty database, in a real Chromium at 360 px. An organiser
(API) declares a blind round on a call with two eligible entries and invites the judge by
e-mail. The judge opens the invitation from their mailbox, creates an account from it,
verifies the address from the next mail, opens the invitation again and accepts it. Later,
once the organiser (API) has assigned the entries, the judge logs in from the header, finds
the assignments under "Judging", scores one entry (the scale with the keyboard), saves the
draft, reloads and finds it, submits it; on the other entry they declare a conflict and it
leaves their list. axe and the 360 px check on every page."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.core.db import utcnow
from tests.browser.test_dashboard_page import _people
from tests.browser.test_judging_journey import _mail
from tests.browser.test_results_journey import (
    CRITERIA,
    PASSWORD,
    _checked,
    _client,
    _ok,
    new_page,  # noqa: F401 (a fixture)
)
from tests.factories import COMPLETE, make_challenge, start_entry

pytestmark = pytest.mark.browser

ENTRANT = "Zephyrine Quackenbush"
JUDGE = "Jo Judge"
TITLES = ["Peer self-test kits", "Evening clinic hours"]
COMMENT = "Clear plan; the costs need work."


def _blind(page: Page) -> None:
    assert ENTRANT not in page.content(), page.url


def test_the_judge_journey(new_page, fresh_server, smtp_server) -> None:  # noqa: F811
    _, mailbox = smtp_server
    base = fresh_server.url
    stamp = secrets.token_hex(3)
    slug = f"judging-{stamp}"
    judge = f"jo-{stamp}@uni-jo.edu"
    email = _people(fresh_server, {"org": "Olu Organiser", "ent": ENTRANT}, stamp)

    # ------------------------------------------------------------ the call, round, invitation (API)
    reference: dict[str, str] = {}  # title → reference
    with _client(base, email["org"]) as org:
        make_challenge(org, slug, max_entries_per_participant=5)  # type: ignore[arg-type]
        with _client(base, email["ent"]) as ent:
            for title in TITLES:
                entry = start_entry(ent, slug, {**COMPLETE, "title": title})  # type: ignore[arg-type]
                submitted = _ok(ent.post(f"/api/entries/{entry['id']}/submit"))
                reference[title] = submitted["reference"]
                _ok(
                    org.post(
                        f"/api/challenges/{slug}/screening",
                        json={"entry_ids": [submitted["id"]], "eligibility": "eligible"},
                    )
                )
        now = utcnow()
        round_ = _ok(
            org.post(
                f"/api/challenges/{slug}/rounds",
                json={
                    "name": "First round",
                    "blind": True,
                    "judges_per_entry": 1,
                    "opens_at": (now - timedelta(hours=1)).isoformat(),
                    "closes_at": (now + timedelta(days=7)).isoformat(),
                    "criteria": CRITERIA,  # Impact (weight 2) and Feasibility, both 1–10
                },
            ),
            201,
        )
        invite = {"email": judge, "display_name": JUDGE}
        _ok(org.post(f"/api/challenges/{slug}/judges", json=invite), 201)

    # ------------------------------------------------------------ 1. the invitation, an account
    page = new_page()
    [invitation] = _mail(mailbox, judge, r"(http://\S+/judge-invitation\.html\?token=\S+)")
    page.goto(invitation)
    help_box = page.locator("#invite-login")
    expect(help_box).to_contain_text("create an account and then open the link in the e-mail")
    _checked(page)
    help_box.get_by_role("link", name="Create an account").click()
    page.wait_for_url(re.compile(r".*/register\.html$"))
    _checked(page)
    page.get_by_label("E-mail").fill(judge)
    page.get_by_label("Display name").fill(JUDGE)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Check your e-mail for a link to verify your address.")).to_be_focused()

    [verification] = _mail(mailbox, judge, r"(http://\S+/verify\.html\?token=\S+)")
    page.goto(verification)
    expect(page.get_by_text("Your e-mail address is verified.")).to_be_visible()
    _checked(page)

    # The invitation again, now logged in: accepted.
    page.goto(invitation)
    expect(help_box).to_be_hidden()
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page.locator("#invite-status")).to_have_text(
        "Thank you: you are on the judging panel. "
        "Your assignments will appear when the round opens."
    )
    _checked(page)
    page.get_by_role("link", name="Go to the call").click()
    page.wait_for_url(re.compile(rf".*/challenge\.html\?slug={slug}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("HIV testing for young people")
    _checked(page)
    header = page.get_by_role("navigation", name="Main")
    header.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/")

    # ------------------------------------------------------------ the assignment (API)
    with _client(base, email["org"]) as org:
        ran = _ok(org.post(f"/api/rounds/{round_['id']}/assign", json={"seed": 1}))
        assert ran["shortfalls"] == [], ran

    # ------------------------------------------------------------ 2. back later: the assignments
    page.goto(f"{base}/")
    header.get_by_role("link", name="Log in").click()
    page.wait_for_url(re.compile(r".*/login\.html\?next=.*"))
    page.get_by_label("E-mail").fill(judge)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    header.get_by_role("link", name="Judging").click()
    page.wait_for_url(re.compile(r".*/judging\.html$"))
    expect(page.get_by_role("heading", level=2)).to_have_text("HIV testing for young people")
    expect(page.get_by_role("heading", name=re.compile("First round"))).to_contain_text(
        "Open for scoring"
    )
    expect(page.get_by_text("0 of 2 scorecards submitted")).to_be_visible()
    items = page.locator(".assignment-item")
    expect(items.locator("a")).to_have_text(sorted(f"Entry {r}" for r in reference.values()))
    expect(items.locator(".badge")).to_have_text(["Scorecard: Not started"] * 2)
    _blind(page)
    _checked(page)

    # ------------------------------------------------------------ 3. scoring, a draft
    scored, conflicted = reference[TITLES[0]], reference[TITLES[1]]
    page.get_by_role("link", name=f"Entry {scored}", exact=True).click()
    page.wait_for_url(re.compile(r".*/assignment\.html\?id=\d+$"))
    expect(page.locator("#entry-name")).to_have_text(f"Entry {scored}")
    expect(
        page.get_by_text("This round is blind: the entrants’ names are hidden from you")
    ).to_be_visible()
    expect(page.get_by_text("Peers hand out kits.")).to_be_visible()
    _blind(page)
    _checked(page)
    # Impact with the keyboard: the row of radios moves with the arrow keys.
    impact = page.get_by_role("group", name="Impact", exact=True)
    impact.get_by_role("radio", name="1", exact=True).focus()
    page.keyboard.press("Space")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    expect(impact.get_by_role("radio", name="8", exact=True)).to_be_checked()
    page.keyboard.press("Tab")  # to the next row of scores
    feasibility = page.get_by_role("group", name="Feasibility", exact=True)
    expect(feasibility.get_by_role("radio", name="1", exact=True)).to_be_focused()
    # Feasibility by pointer.
    feasibility.get_by_role("radio", name="5", exact=True).check()
    page.get_by_label("Comment for the organisers").fill(COMMENT)
    page.get_by_role("button", name="Save now").click()
    save_state = page.locator("#save-state")
    expect(save_state).to_have_text(re.compile(r"^Saved at "), timeout=20_000)

    page.reload()
    impact = page.get_by_role("group", name="Impact", exact=True)
    feasibility = page.get_by_role("group", name="Feasibility", exact=True)
    expect(impact.get_by_role("radio", name="8", exact=True)).to_be_checked()
    expect(feasibility.get_by_role("radio", name="5", exact=True)).to_be_checked()
    expect(page.get_by_label("Comment for the organisers")).to_have_value(COMMENT)
    expect(page.get_by_text("Draft: not submitted yet.")).to_be_visible()
    # The list says so too, and the draft is found from it.
    header.get_by_role("link", name="Judging").click()
    page.wait_for_url(re.compile(r".*/judging\.html$"))
    draft_item = items.filter(has=page.get_by_role("link", name=f"Entry {scored}", exact=True))
    expect(draft_item.locator(".badge")).to_have_text("Scorecard: Draft")
    expect(page.get_by_text("0 of 2 scorecards submitted")).to_be_visible()
    page.get_by_role("link", name=f"Entry {scored}", exact=True).click()
    page.wait_for_url(re.compile(r".*/assignment\.html\?id=\d+$"))
    expect(
        page.get_by_role("group", name="Impact", exact=True).get_by_role(
            "radio", name="8", exact=True
        )
    ).to_be_checked()

    # ------------------------------------------------------------ 4. submitted
    page.get_by_role("button", name="Submit the scorecard").click()
    done = page.locator("#submit-done")
    expect(done).to_contain_text("Scorecard submitted")
    # (2 × 8 + 1 × 5) / 3 on the round's 1–10 scale.
    expect(page.locator("#score-line")).to_have_text(re.compile(r"^Weighted score: 7(\.0+)?$"))
    _checked(page)
    done.get_by_role("link", name="Back to my assignments").click()
    page.wait_for_url(re.compile(r".*/judging\.html$"))
    expect(page.get_by_text("1 of 2 scorecards submitted")).to_be_visible()
    expect(draft_item.locator(".badge")).to_have_text("Scorecard: Submitted")

    # ------------------------------------------------------------ 5. a conflict
    page.get_by_role("link", name=f"Entry {conflicted}", exact=True).click()
    page.wait_for_url(re.compile(r".*/assignment\.html\?id=\d+$"))
    expect(page.locator("#entry-name")).to_have_text(f"Entry {conflicted}")
    page.get_by_text("Declare a conflict of interest").click()
    page.get_by_label("What is the conflict?").fill("I coached this team last year")
    page.get_by_label("I understand this entry will be taken from me.").check()
    page.get_by_role("button", name="Declare the conflict").click()
    expect(page.get_by_role("heading", name="Conflict declared")).to_be_focused()
    expect(page.get_by_text("The entry has been taken from you")).to_be_visible()
    expect(page.locator("#scorecard-form")).to_have_count(0)
    _checked(page)
    page.get_by_role("link", name="Back to my assignments").click()
    page.wait_for_url(re.compile(r".*/judging\.html$"))
    expect(page.get_by_text("1 of 1 scorecard submitted")).to_be_visible()
    expect(items.locator("a")).to_have_text([f"Entry {scored}"])
    expect(page.get_by_role("link", name=f"Entry {conflicted}")).to_have_count(0)

    # What the organiser has (API): the submitted scorecard and the judge's declared conflict.
    with _client(base, email["org"]) as org:
        pairs = _ok(org.get(f"/api/rounds/{round_['id']}/assignments"))
        assert [(a["entry_reference"], a["judge_name"]) for a in pairs] == [(scored, JUDGE)]
        conflicts = _ok(org.get(f"/api/challenges/{slug}/conflicts"))
        assert [(c["entry_reference"], c["reason"]) for c in conflicts] == [
            (conflicted, "I coached this team last year")
        ]
