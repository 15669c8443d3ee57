"""The organiser's journey from a fresh database, in a real Chromium at 360 px, through the
pages only: register, verify from the mailed link, log out and in; "Manage calls", create a
call, fill its settings (categories, time zone and dates), add a steering committee member
and a screener, build the entry form, publish. Three entrants submit (API); the organiser
screens one on the entries page and the screener the others (API). The organiser declares a
round, invites two judges (who accept with the mailed token, API), runs the assignment and
reads the progress; the judges score (API); the organiser reads the ranking and applies the
advancement, opens a public vote for which two voters vote (API), declares the ranking rule,
proposes and publishes the awards, downloads the entries table, reads the dashboard, sends a
broadcast the SMTP server receives, and finds the steps just taken in the audit log. axe and
the 360 px check on every page."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from app.core.db import utcnow
from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import (  # noqa: F401 (new_page: a fixture)
    PASSWORD,
    _checked,
    _client,
    _ok,
    _token,
    new_page,
)

pytestmark = pytest.mark.browser

ZONE = "Africa/Lagos"  # the call's time zone, and the organiser's browser's
ORGANISER = "olu@health-ngo.example"
SLUG = "hiv-testing-2027"
TITLE = "HIV testing for young people"
# title → (entrant key, category, the score both judges give on Impact, 1–10)
ENTRIES = {
    "Peer self-test kits": ("ama", "Community", 9),
    "Evening clinic hours": ("ben", "Clinic", 6),
    "School nurse chats": ("cy", "Clinic", 3),
}
JUDGES = {"ada": "Ada Achebe", "bo": "Bo Bello"}
SUBJECT = "Judging has started"


def _wall(instant: datetime) -> str:
    """An instant as a datetime-local value in the call's (and browser's) time zone."""
    return instant.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def org_page(new_page: Any) -> Page:  # noqa: F811
    """The organiser's phone: 360 px, in the call's time zone; script errors fail the test."""
    return new_page(timezone_id=ZONE)


def _subnav(page: Page, name: str, address: str) -> None:
    """Follows a link between the call's organiser pages."""
    page.get_by_role("navigation", name="This call's pages").get_by_role(
        "link", name=name, exact=True
    ).click()
    page.wait_for_url(re.compile(rf".*/{re.escape(address)}\?slug={SLUG}$"))
    page.wait_for_load_state("networkidle")


def test_the_organiser_journey(org_page: Page, fresh_server, smtp_server, tmp_path: Path) -> None:
    _, mailbox = smtp_server
    base = fresh_server.url
    page = org_page
    menu = page.get_by_role("navigation", name="Main")

    # ------------------------------------------------------------ 1. an account of their own
    page.goto(f"{base}/")
    page.wait_for_load_state("networkidle")
    _checked(page)
    menu.get_by_role("link", name="Register").click()
    page.wait_for_url(re.compile(r".*/register\.html"))
    page.wait_for_load_state("networkidle")  # the form's script is ready
    _checked(page)
    page.get_by_label("E-mail").fill(ORGANISER)
    page.get_by_label("Display name").fill("Olu Organiser")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Check your e-mail for a link to verify your address")).to_be_visible()
    link = mailbox.wait_for(ORGANISER, r"(http://\S+/verify\.html\?token=\S+)")[0].group(1)
    page.goto(link)  # opened from the e-mail
    expect(page.get_by_text("Your e-mail address is verified")).to_be_visible()
    _checked(page)
    menu.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/")
    page.wait_for_load_state("networkidle")
    menu.get_by_role("link", name="Log in").click()
    page.wait_for_url(re.compile(r".*/login\.html"))
    page.wait_for_load_state("networkidle")
    page.get_by_label("E-mail").fill(ORGANISER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    expect(menu.get_by_role("link", name="Account")).to_be_visible()

    # ------------------------------------------------------------ 2. the call and its settings
    menu.get_by_role("link", name="Manage calls").click()
    page.wait_for_url(re.compile(r".*/manage\.html$"))
    expect(page.get_by_text("You do not organise or screen any call yet.")).to_be_visible()
    _checked(page)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Web address (optional)").fill(SLUG)
    page.get_by_label("Prompt (optional)").fill(
        "How might we make HIV testing easier for young people?"
    )
    page.get_by_role("button", name="Create the call").click()
    page.wait_for_url(re.compile(rf".*/challenge-edit\.html\?slug={SLUG}$"))
    expect(page.get_by_label("Title", exact=True)).to_have_value(TITLE)
    expect(page.locator("#phase-now")).to_have_text("Draft")
    _checked(page)

    content = page.locator("#content-form")
    content.get_by_label("Categories").fill("Community\nClinic")
    content.get_by_role("button", name="Save content").click()
    expect(content.locator("[data-status]")).to_have_text(
        "Content saved. The preview shows the saved description."
    )
    now = utcnow()
    timeline = page.locator("#timeline-form")
    timeline.get_by_label("Time zone of the call").fill(ZONE)
    timeline.get_by_label("Opens", exact=True).fill(_wall(now - timedelta(days=1)))
    timeline.get_by_label("Closes (deadline)").fill(_wall(now + timedelta(days=30)))
    timeline.get_by_role("button", name="Save the timeline").click()
    expect(timeline.locator("[data-status]")).to_have_text(f"Timeline saved, in {ZONE}.")

    committee = page.locator("#committee-form")
    committee.get_by_label("Name").fill("Grace Nwosu")
    committee.get_by_label("Affiliation").fill("Lagos youth network")
    committee.get_by_label("Role on the committee").fill("Community representative")
    committee.get_by_role("button", name="Add the member").click()
    expect(committee.locator("[data-status]")).to_have_text("Grace Nwosu was added.")
    expect(page.locator("#committee-empty")).to_be_hidden()

    # The other people (entrants, a screener, judges, voters) make their accounts themselves.
    names = {"ama": "Ama Mensah", "ben": "Ben Hale", "cy": "Cy Okoro", "sam": "Sam Screener"}
    names |= JUDGES | {"v1": "Vee One", "v2": "Vee Two"}
    email = _people(fresh_server, names, "oj")
    people = page.locator("#people-form")
    people.get_by_label("E-mail").fill(email["sam"])
    people.get_by_label("Role").select_option("screener")
    people.get_by_role("button", name="Add the person").click()
    expect(people.locator("[data-status]")).to_have_text("Sam Screener is now a screener.")
    _checked(page)

    # ------------------------------------------------------------ 3. the entry form
    _subnav(page, "Entry form", "form-builder.html")
    questions = page.get_by_test_id("form-field")
    expect(questions).to_have_count(0)
    _checked(page)
    page.get_by_label("Kind of question").select_option(label="Long text (paragraphs)")
    page.get_by_label("Question", exact=True).fill("Your idea")
    page.get_by_label("Short name (optional)").fill("idea")
    page.get_by_label("Required").check()
    page.get_by_label("Public").check()
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("Added “Your idea” as question 1.")).to_be_visible()
    page.get_by_label("Kind of question").select_option(label="Tick box (e.g. consent)")
    page.get_by_label("Question", exact=True).fill("I consent to sharing")
    page.get_by_label("Short name (optional)").fill("consent")
    page.get_by_label("Required").check()
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("Added “I consent to sharing” as question 2.")).to_be_visible()
    expect(questions).to_have_count(2)
    expect(questions.nth(0)).to_contain_text("Your idea")
    expect(questions.nth(1)).to_contain_text("I consent to sharing")
    _checked(page)

    # ------------------------------------------------------------ 4. publish
    _subnav(page, "Settings", "challenge-edit.html")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("#lifecycle-status")).to_have_text(
        "Published. The call is now on the public list."
    )
    expect(page.locator("#phase-now")).to_have_text("Open for entries")
    _checked(page)

    # ------------------------------------------------------------ 5. entries (API) and screening
    entry_id: dict[str, int] = {}
    reference: dict[str, str] = {}
    for title, (who, category, _) in ENTRIES.items():
        with _client(base, email[who]) as entrant:
            draft = _ok(entrant.post(f"/api/challenges/{SLUG}/entries", json={"title": ""}), 201)
            body = {
                "title": title,
                "summary": f"{title}, for young people.",
                "category": category,
                "answers": {"idea": f"We would start with {title.lower()}.", "consent": True},
                "licence_accepted": True,
            }
            _ok(entrant.patch(f"/api/entries/{draft['id']}", json=body))
            submitted = _ok(entrant.post(f"/api/entries/{draft['id']}/submit"))
            entry_id[title], reference[title] = submitted["id"], submitted["reference"]
    first, second, third = ENTRIES

    _subnav(page, "Entries", "entries-admin.html")
    expect(page.get_by_role("button", name=re.compile(first))).to_be_visible()
    _checked(page)
    page.get_by_role("button", name=re.compile(first)).first.click()
    dialog = page.locator("#entry-dialog")
    expect(dialog.get_by_text(first).first).to_be_visible()
    _checked(page)
    dialog.get_by_label("Eligible", exact=True).check()
    dialog.get_by_role("button", name="Save the decision").click()
    expect(dialog.get_by_text("Marked eligible.")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    with _client(base, email["sam"]) as screener:
        _ok(
            screener.post(
                f"/api/challenges/{SLUG}/screening",
                json={"entry_ids": [entry_id[second], entry_id[third]], "eligibility": "eligible"},
            )
        )
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#entry-rows .badge-eligible")).to_have_text(["Eligible"] * 3)

    # ------------------------------------------------------------ 6. a round, the panel
    _subnav(page, "Judging rounds", "rounds.html")
    expect(page.get_by_text("No rounds yet.")).to_be_visible()
    now = utcnow()
    add = page.locator("#add-form")
    add.get_by_label("Name of the round").fill("Jury round")
    add.get_by_label("Opens (optional)").fill(_wall(now - timedelta(minutes=10)))
    add.get_by_label("Closes (optional)").fill(_wall(now + timedelta(days=3)))
    add.get_by_label("Judges per entry").fill("2")
    add.get_by_label("The top N entries overall").check()
    add.get_by_label("N: how many entries advance").fill("2")
    criterion = add.get_by_test_id("criterion-row").first
    criterion.get_by_label("Criterion name").fill("Impact")
    criterion.get_by_label("Scale").select_option(label="1 to 10")
    add.get_by_role("button", name="Add the round").click()
    expect(page.locator("#rounds-status")).to_have_text("Added the round “Jury round” as round 1.")
    card = page.get_by_test_id("round").first
    expect(card.locator(".badge").first).to_have_text("Open")
    _checked(page)

    _subnav(page, "Judges and conflicts", "panel.html")
    expect(page.get_by_text("No judges yet.")).to_be_visible()
    invite = page.locator("#invite-form")
    for key, name in JUDGES.items():
        invite.get_by_label("E-mail").fill(email[key])
        invite.get_by_label("Name", exact=True).fill(name)
        invite.get_by_role("button", name="Send the invitation").click()
        expect(invite.locator("[role=status]")).to_contain_text(f"Invited {name}")
    expect(page.get_by_test_id("judge")).to_have_count(2)
    for key in JUDGES:  # each judge accepts with the token mailed to them
        with _client(base, email[key]) as judge:
            accept = {"token": _token(mailbox, email[key])}
            _ok(judge.post("/api/judge-invitations/accept", json=accept))
    page.reload()
    expect(page.locator("#panel-summary")).to_contain_text(
        "2 judges: 2 active, 0 invited, 0 withdrawn."
    )
    _checked(page)

    # ------------------------------------------------------------ 7. assignment and progress
    _subnav(page, "Judging rounds", "rounds.html")
    page.get_by_test_id("round").first.get_by_role("link", name="Assignments and progress").click()
    page.wait_for_url(re.compile(rf".*/assignments\.html\?slug={SLUG}&round=\d+$"))
    round_id = int(page.url.rsplit("=", 1)[1])
    expect(page.locator("#round-state")).to_contain_text("Open for scoring")
    page.get_by_label("Seed").fill("7")
    page.get_by_role("button", name="Run the assignment").click()
    report = page.locator("#assign-report")
    expect(report.get_by_role("heading", name="What the assignment did")).to_be_focused()
    expect(report.get_by_text("Every entry has its 2 judges.")).to_be_visible()
    expect(page.locator("#load-rows tr th")).to_have_text(list(JUDGES.values()))
    expect(page.locator("#load-rows tr td:nth-of-type(1)")).to_have_text(["3", "3"])
    expect(page.locator("#progress-counts")).to_contain_text("6scorecards due")
    _checked(page)

    title_of = {ref: title for title, ref in reference.items()}
    for key in JUDGES:  # the judges score (API)
        with _client(base, email[key]) as judge:
            for pair in _ok(judge.get("/api/me/assignments")):
                detail = _ok(judge.get(f"/api/assignments/{pair['id']}"))
                [impact] = detail["round"]["criteria"]
                score = ENTRIES[title_of[pair["entry_reference"]]][2]
                card_body = {
                    "values": [{"criterion_id": impact["id"], "value": score}],
                    "comment": "",
                    "feedback": "Clear and practical.",
                }
                _ok(judge.put(f"/api/assignments/{pair['id']}/scorecard", json=card_body))
                _ok(judge.post(f"/api/assignments/{pair['id']}/scorecard/submit"))
    page.reload()
    expect(page.locator("#progress-counts")).to_contain_text("6submitted")

    # ------------------------------------------------------------ 8. ranking and advancement
    page.get_by_role("navigation", name="This round's pages").get_by_role(
        "link", name="Ranking and advancement"
    ).click()
    page.wait_for_url(re.compile(rf".*/ranking\.html\?slug={SLUG}&round={round_id}$"))
    ranked = page.locator("#ranking-rows tr")
    expect(ranked.locator("th")).to_have_text([reference[t] for t in ENTRIES])
    expect(page.locator("#rule-text")).to_have_text(
        "The 2 entries with the highest scores advance."
    )
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator("#preview-summary")).to_have_text("2 entries of 3 advance.")
    _checked(page)
    page.get_by_role("button", name="Apply", exact=True).click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_contain_text("2 entries advance; 1 does not.")
    confirm.get_by_role("button", name="Apply the advancement").click()
    expect(page.locator("#applied")).to_contain_text(
        f"2 entries advanced: {reference[first]}, {reference[second]}."
    )
    _checked(page)

    # ------------------------------------------------------------ 9. the public vote
    page.get_by_role("navigation", name="This call's pages").get_by_role(
        "link", name="Settings", exact=True
    ).click()
    page.wait_for_url(re.compile(rf".*/challenge-edit\.html\?slug={SLUG}$"))
    page.wait_for_load_state("networkidle")
    now = utcnow()
    timeline.get_by_label("Voting opens").fill(_wall(now - timedelta(minutes=5)))
    timeline.get_by_label("Voting closes").fill(_wall(now + timedelta(days=2)))
    timeline.get_by_role("button", name="Save the timeline").click()
    expect(timeline.locator("[data-status]")).to_have_text(f"Timeline saved, in {ZONE}.")
    _subnav(page, "Public vote", "voting.html")
    expect(page.get_by_text("No votes yet.")).to_be_visible()
    _checked(page)
    rules = page.locator("#rules-form")
    rules.get_by_label("Run a public vote on this call").check()
    expect(rules.get_by_label("Every entry screened eligible")).to_be_checked()
    rules.get_by_label("Votes each person has").fill("1")
    # The voters' accounts are all new and on one network: a high bar, so none is held.
    rules.get_by_label("Burst: new accounts on one network").fill("100")
    rules.get_by_role("button", name="Save the voting rules").click()
    expect(rules.locator("[data-status]")).to_have_text(
        "Saved the voting rules. Voting is open now."
    )
    for voter in ("v1", "v2"):
        with _client(base, email[voter]) as client:
            vote = {"entry_id": entry_id[third]}
            _ok(client.post(f"/api/challenges/{SLUG}/votes", json=vote), 201)
    page.reload()
    expect(page.locator("#count-totals .count")).to_have_text(
        ["2Counted", "0Held for review", "0Discarded", "2Voters"]
    )
    _checked(page)

    # ------------------------------------------------------------ 10. the results
    _subnav(page, "Results", "results-admin.html")
    rule = page.locator("#rule-form")
    rule.get_by_label("Jury weight").fill("0.8")
    rule.get_by_label("Public vote weight").fill("0.2")
    expect(page.locator("#formula-preview")).to_have_text(
        "final = 0.8 × jury score + 0.2 × vote share."
    )
    rule.get_by_role("button", name="Save the ranking rule").click()
    # The round and the vote have opened: the rule is frozen, and a change needs its reason.
    expect(page.locator("#rule-reason-error")).to_contain_text("The rule is frozen")
    rule.get_by_label("Reason for the change").fill("As declared in the call text")
    rule.get_by_role("button", name="Save the ranking rule").click()
    expect(rule.locator("[data-status]")).to_have_text(
        "Saved the ranking rule. The standings below follow it."
    )
    # 0.8 × jury (8/9, 5/9, 2/9) + 0.2 × vote share (0, 0, 1)
    standings = page.locator("table.standings tbody tr")
    expect(standings.locator("th")).to_have_text([reference[t] for t in ENTRIES])
    expect(standings.locator("td.final")).to_have_text(["0.711", "0.444", "0.378"])
    _checked(page)
    page.get_by_role("button", name="Propose from the standings").click()
    page.locator("#propose-dialog").get_by_role("button", name="Replace with the proposal").click()
    expect(page.locator("#awards-status")).to_have_text(
        re.compile(r"^Proposed \d+ awards from the standings\.$")
    )
    awards = page.locator("#award-rows tr")
    expect(awards.first.locator("th")).to_have_text("Winner")
    expect(awards.first.locator("td:nth-of-type(2)")).to_contain_text(reference[first])
    expect(awards.filter(has_text="People's choice")).to_contain_text(reference[third])
    page.get_by_role("button", name="Publish the results").click()
    expect(page.locator("#publish-form [data-status]")).to_contain_text(
        "Published version 1. SHA-256 of the results table: "
    )
    _checked(page)
    with _client(base) as visitor:
        published = _ok(visitor.get(f"/api/challenges/{SLUG}/results"))
    assert published["publication"]["version"] == 1

    # ------------------------------------------------------------ 11. exports and dashboard
    _subnav(page, "Exports", "exports.html")
    _checked(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Entries (CSV)", exact=True).click()
    assert info.value.suggested_filename == f"{SLUG}-entries.csv"
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"), newline="")))
    assert sorted(r["title"] for r in rows) == sorted(ENTRIES)

    _subnav(page, "Dashboard", "dashboard.html")
    funnel = page.get_by_role("table", name="The funnel")
    expect(funnel.locator("tr").filter(has_text="Submitted")).to_contain_text("3")
    expect(funnel.locator("tr").filter(has_text="Eligible")).to_contain_text("3")
    _checked(page)

    # ------------------------------------------------------------ 12. a broadcast
    _subnav(page, "Broadcasts", "broadcasts.html")
    expect(page.locator("#sent-empty")).to_be_visible()
    # Checked before the preview: Chromium does not always report the sandboxed preview
    # frame idle, which would stop the check's wait for the network to settle.
    _checked(page)
    page.get_by_label("Everyone who submitted an entry").check()
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Message", exact=True).fill("Thank you: the results are on the call page.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-count")).to_have_text(
        "This goes to 3 people: everyone who submitted an entry."
    )
    expect(page.locator("#preview-sample li")).to_have_text(["Ama Mensah", "Ben Hale", "Cy Okoro"])
    page.get_by_role("button", name="Send to 3 people").click()
    page.get_by_role("dialog").get_by_role("button", name="Send now").click()
    expect(page.get_by_text("Sent to 3 people.")).to_be_visible()
    expect(page.get_by_test_id("broadcast").get_by_role("heading")).to_have_text(SUBJECT)
    for who in ("ama", "ben", "cy"):
        assert "the results are on the call page" in mailbox.wait_for(
            email[who], rf"{SUBJECT}\n([\s\S]*)"
        )[0].group(1)

    # ------------------------------------------------------------ 13. the audit log
    _subnav(page, "Audit log", "audit.html")
    actions = page.locator(".event-action")
    expect(actions.first).to_be_visible()
    for action in (
        "broadcast.send",
        "results.publish",
        "awards.propose",
        "results.rules",
        "voting.rules",
        "round.advance",
        "round.assign",
        "judge.invite",
        "round.create",
    ):
        expect(actions.filter(has_text=re.compile(rf"^{re.escape(action)}$"))).not_to_have_count(0)
    _checked(page)
    page.get_by_label("Action").fill("committee.add")
    page.get_by_role("button", name="Show matching events").click()
    expect(actions).to_have_text(["committee.add"])
    expect(page.locator("#event-list, main").first).to_contain_text("Grace Nwosu")
