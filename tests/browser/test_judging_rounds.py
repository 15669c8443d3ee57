"""A round's organiser pages in a real Chromium at 360 px: the organiser runs the assignment
and reads the loads, takes a judge off an entry and back, reminds the judges; the judges score
through the API; the organiser reads the ranking and its ICC, sees the judges disagree on one
entry, reopens a scorecard, puts a tie at the cut in order, overrides one entry and applies
the advancement. axe checks both pages on the way."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url, utcnow

pytestmark = pytest.mark.browser

PASSWORD = "rounds password"
# Each judge's (Impact, Feasibility) for the entries, in the order they were submitted:
# Alpha is best, Bravo and Charlie tie at the cut on every tie-break, the judges disagree
# on Delta.
SCORES = {
    "Ada": [(9, 9), (6, 6), (6, 6), (1, 1)],
    "Bo": [(9, 8), (6, 6), (6, 6), (9, 9)],
}
TITLES = ["Alpha clinic days", "Bravo youth club", "Charlie text line", "Delta market stall"]


def _client(base: str, email: str, name: str) -> httpx.Client:
    """A new account, logged in."""
    client = httpx.Client(base_url=base, headers={"Origin": base})
    r = client.post(
        "/api/auth/register", json={"email": email, "display_name": name, "password": PASSWORD}
    )
    assert r.status_code == 201, r.text
    r = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def _organiser(live_server: Any, email: str) -> httpx.Client:
    """An organiser's account, its address verified (a new call needs that), logged in."""
    org = _client(live_server.url, email, "Olu Organiser")
    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        conn.execute(
            text('UPDATE "user" SET email_verified_at = created_at WHERE email = :e'), {"e": email}
        )
    engine.dispose()
    return org


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login.html")
    page.wait_for_load_state("networkidle")  # the form's script is ready
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/account\.html$"))


def _mail(mailbox: Any, address: str, pattern: str) -> str:
    return str(mailbox.wait_for(address, pattern)[0].group(1))


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _checked(page: Page) -> None:
    """No horizontal scroll at 360 px, and no serious or critical axe violation."""
    page.wait_for_load_state("networkidle")
    wide = page.evaluate(
        """() => document.documentElement.scrollWidth <= window.innerWidth ? [] :
            [...document.querySelectorAll('body *')]
                .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                .map((e) => `${e.tagName}#${e.id}.${e.className}`).slice(0, 10)"""
    )
    assert wide == [], page.url
    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], page.url


def _score(
    judge: httpx.Client, round_id: int, criteria: list[dict[str, Any]], refs: list[str], name: str
) -> None:
    mine = {
        a["entry_reference"]: a["id"]
        for a in _ok(judge.get("/api/me/assignments"))
        if a["round_id"] == round_id
    }
    assert sorted(mine) == sorted(refs)
    for ref, values in zip(refs, SCORES[name], strict=True):
        body = {
            "values": [
                {"criterion_id": c["id"], "value": v} for c, v in zip(criteria, values, strict=True)
            ],
            "comment": f"{name} on {ref}",
            "feedback": "Clear and well argued.",
        }
        _ok(judge.put(f"/api/assignments/{mine[ref]}/scorecard", json=body))
        _ok(judge.post(f"/api/assignments/{mine[ref]}/scorecard/submit"))


def test_assign_score_rank_and_advance(page: Page, live_server, smtp_server) -> None:
    _, mailbox = smtp_server
    base = live_server.url
    stamp = int(time.time() * 1000)
    slug = f"rounds-{stamp}"
    organiser = f"org-r{stamp}@example.org"
    judge_emails = {"Ada": f"ada-r{stamp}@uni-a.edu", "Bo": f"bo-r{stamp}@uni-b.edu"}

    # An organiser, a call with four submitted entries screened eligible.
    org = _organiser(live_server, organiser)
    now = utcnow()
    _ok(
        org.post(
            "/api/challenges",
            json={
                "title": "Rounds call",
                "slug": slug,
                "prompt": "How might we?",
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=9)).isoformat(),
                "categories": ["Community", "Clinic"],
                "max_entries_per_participant": 10,
                "reference_prefix": "RND",
            },
        ),
        201,
    )
    _ok(org.post(f"/api/challenges/{slug}/publish"))
    entrant = _client(base, f"entrant-r{stamp}@example.org", "Esi Entrant")
    entry_ids, refs = [], []
    for i, title in enumerate(TITLES):
        entry = _ok(entrant.post(f"/api/challenges/{slug}/entries", json={"title": ""}), 201)
        _ok(
            entrant.patch(
                f"/api/entries/{entry['id']}",
                json={
                    "title": title,
                    "summary": f"{title}: what we would do.",
                    "category": "Clinic" if i == 0 else "Community",
                    "licence_accepted": True,
                },
            )
        )
        submitted = _ok(entrant.post(f"/api/entries/{entry['id']}/submit"))
        entry_ids.append(submitted["id"])
        refs.append(submitted["reference"])
    _ok(
        org.post(
            f"/api/challenges/{slug}/screening",
            json={"entry_ids": entry_ids, "eligibility": "eligible"},
        )
    )

    # Two judges who accept their mailed invitations.
    judges: dict[str, httpx.Client] = {}
    for name, email in judge_emails.items():
        _ok(
            org.post(f"/api/challenges/{slug}/judges", json={"email": email, "display_name": name}),
            201,
        )
    for name, email in judge_emails.items():
        token = _mail(mailbox, email, r"judge-invitation\.html\?token=(\S+)")
        judges[name] = _client(base, email, name)
        _ok(judges[name].post("/api/judge-invitations/accept", json={"token": token}))

    # A round with two criteria, two judges per entry, the top 2 advance; declared before it
    # opens, then opened.
    round_ = _ok(
        org.post(
            f"/api/challenges/{slug}/rounds",
            json={
                "name": "First round",
                "judges_per_entry": 2,
                "advancement": {"kind": "top_n", "n": 2},
                "criteria": [
                    {"name": "Impact", "weight": 2, "preset": "1-10"},
                    {"name": "Feasibility", "weight": 1, "preset": "1-10"},
                ],
            },
        ),
        201,
    )
    round_id, criteria = round_["id"], round_["criteria"]
    _ok(
        org.patch(
            f"/api/rounds/{round_id}",
            json={
                "tie_breaks": [
                    {"kind": "criterion", "criterion_id": criteria[0]["id"]},
                    {"kind": "scorecards"},
                ],
                "opens_at": (now - timedelta(minutes=5)).isoformat(),
                "closes_at": (now + timedelta(days=7)).isoformat(),
            },
        )
    )

    # The organiser logs in and runs the assignment.
    _log_in(page, base, organiser)
    page.goto(f"{base}/assignments.html?slug={slug}&round={round_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Assignments and progress")
    expect(page.locator("#round-name")).to_have_text("First round")
    expect(page.locator("#round-state")).to_contain_text("Open for scoring")
    round_nav = page.get_by_role("navigation", name="This round's pages")
    expect(round_nav.get_by_role("link", name="Assignments and progress")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator("#assignments-empty")).to_be_visible()
    _checked(page)
    page.get_by_label("Seed").fill("7")
    page.get_by_role("button", name="Run the assignment").click()
    report = page.locator("#assign-report")
    expect(report.get_by_role("heading", name="What the assignment did")).to_be_focused()
    expect(report.locator(".load-list li")).to_have_text(["Ada: 4 entries", "Bo: 4 entries"])
    expect(report.get_by_text("Every entry has its 2 judges.")).to_be_visible()
    expect(page.locator("#load-rows tr")).to_have_count(2)
    expect(page.locator("#load-rows tr").first.locator("td").first).to_have_text("4")
    expect(page.locator("#progress-counts")).to_contain_text("8scorecards due")
    _checked(page)

    # Taking a judge off an entry needs a reason once the round is open; then back by hand.
    page.get_by_role("button", name=f"Unassign Bo from {refs[3]}").click()
    dialog = page.locator("#unassign-dialog")
    dialog.get_by_role("button", name="Unassign").click()
    expect(dialog.locator("#unassign-reason-error")).to_contain_text("say why")
    dialog.get_by_label("Why", exact=True).fill("Bo asked for a lighter load")
    dialog.get_by_role("button", name="Unassign").click()
    expect(page.locator("#assignments-status")).to_have_text(f"Bo no longer judges {refs[3]}.")
    expect(page.locator("#load-rows tr").nth(1).locator("td").first).to_have_text("3")
    # The entries short of judges, found by the filter: Delta, one short.
    page.get_by_label("Only entries short of judges").check()
    page.get_by_role("button", name="Filter", exact=True).click()
    bodies = page.locator("#assignments-table tbody")
    expect(bodies).to_have_count(1)
    expect(bodies.first.locator("th")).to_contain_text(f"{refs[3]}1 of 2 judges1 short")
    expect(page.locator("#assignments-shown")).to_have_text("1 of 1 entry shown.")
    page.get_by_label("Entry", exact=True).fill(refs[3].lower())
    page.get_by_label("Judge", exact=True).select_option(label="Bo (3 entries)")
    page.get_by_role("button", name="Assign the judge").click()
    expect(page.locator("#manual-form [role=status]")).to_have_text(f"Bo now judges {refs[3]}.")
    expect(page.locator("#assignments-empty")).to_have_text(
        "No entry of this round matches these filters."
    )
    page.get_by_label("Only entries short of judges").uncheck()
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(bodies).to_have_count(4)
    expect(page.locator("#assignments-count")).to_have_text("4 entries, 8 pairs.")
    expect(
        page.locator(f"#assignments-table tbody[data-entry-id='{entry_ids[3]}'] tr")
    ).to_have_count(2)

    # Both judges lag: remind them all.
    page.get_by_label("Message to add (optional)").fill("Two weeks left.")
    page.get_by_role("button", name="Remind every lagging judge").click()
    expect(page.locator("#remind-form [role=status]")).to_have_text(
        "Reminder sent to 2 judges: Ada, Bo."
    )
    expect(page.locator("#judge-progress-rows tr").first.locator("td").nth(5)).not_to_have_text(
        "Not yet"
    )
    _mail(mailbox, judge_emails["Ada"], r"(Two weeks left\.)")

    # The judges score through the API.
    for name, judge in judges.items():
        _score(judge, round_id, criteria, refs, name)
    page.reload()
    expect(page.locator("#progress-counts")).to_contain_text("8submitted")

    # The ranking: Alpha first, Bravo and Charlie tied, the judges disagree on Delta.
    page.get_by_role("navigation", name="This round's pages").get_by_role(
        "link", name="Ranking and advancement"
    ).click()
    page.wait_for_url(re.compile(r".*/ranking\.html\?slug=.*&round=\d+$"))
    rows = page.locator("#ranking-rows tr")
    expect(rows.locator("th")).to_have_text(refs)
    expect(page.locator("#ranking-count")).to_have_text("4 of 4 entries shown, 4 with scorecards.")
    expect(page.locator("#ranking-more")).to_be_hidden()
    expect(rows.first.locator("td.score")).to_have_text(re.compile(r"^8[.,]83$"))
    expect(page.locator("#score-header")).to_contain_text("raw mean")
    expect(rows.nth(3)).to_contain_text("Judges disagree")
    expect(page.locator("#summary")).to_contain_text("a = 4 entries, N = 8 scorecards, k0 = 2")
    expect(page.locator("#summary")).to_contain_text("1–10")
    expect(page.locator("#judge-rows tr")).to_have_count(2)
    rows.first.get_by_text("Means").click()
    expect(rows.first.locator("details.criteria dl")).to_contain_text("Impact")
    _checked(page)

    # Filters keep the round's positions: Delta by its reference, then as the one entry
    # whose judges disagree.
    page.get_by_label("Search").fill(refs[3].lower())
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(rows.locator("th")).to_have_text([refs[3]])
    expect(rows.first.locator("td").first).to_have_text("4")
    expect(page.locator("#ranking-count")).to_have_text(
        "1 of 1 matching entry shown; the round has 4."
    )
    page.get_by_label("Search").fill("")
    page.get_by_label("Only entries whose judges disagree").check()
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(rows.locator("th")).to_have_text([refs[3]])
    page.get_by_label("Search").fill("no such entry")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.locator("#ranking-empty")).to_have_text(
        "No entry of this round matches these filters."
    )
    page.get_by_label("Search").fill("")
    page.get_by_label("Only entries whose judges disagree").uncheck()
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(rows.locator("th")).to_have_text(refs)

    # No judge is free for another look at Delta: the page says why.
    rows.nth(3).get_by_role("button", name=f"Add a judge to {refs[3]}").click()
    expect(page.locator("#ranking-alert")).to_contain_text("No judge can take this entry")

    # Alpha's scorecards, with Ada's reopened and then submitted again.
    rows.first.get_by_role("button", name=f"Scorecards of {refs[0]}").click()
    cards = page.locator("#scorecards-dialog")
    expect(cards.locator(".scorecard")).to_have_count(2)
    expect(cards).to_contain_text("Ada on " + refs[0])
    _checked(page)
    cards.get_by_role("button", name="Reopen Ada’s scorecard").click()
    cards.get_by_label("Why reopen Ada’s scorecard?").fill("Please check the feasibility score")
    cards.get_by_role("button", name="Reopen the scorecard").click()
    expect(cards.locator("#scorecards-status")).to_contain_text("Ada’s scorecard is reopened")
    expect(cards.locator(".scorecard").first).to_contain_text("Please check the feasibility score")
    cards.get_by_role("button", name="Close").click()
    ada_pair = next(
        a["id"]
        for a in _ok(judges["Ada"].get("/api/me/assignments"))
        if a["entry_reference"] == refs[0]
    )
    _ok(judges["Ada"].post(f"/api/assignments/{ada_pair}/scorecard/submit"))
    page.reload()

    # The advancement: the rule in words, the tie at the cut put in order, one override.
    expect(page.locator("#rule-text")).to_have_text(
        "The 2 entries with the highest scores advance."
    )
    expect(page.locator("#tie-breaks li")).to_have_text(
        [
            "The higher mean on the criterion “Impact”.",
            "More scorecards.",
            "Your recorded choice: you put the tied entries in order.",
        ]
    )
    ties = page.locator("#unresolved")
    expect(ties.locator("legend")).to_have_text(f"Tied at the cut: {refs[1]}, {refs[2]}")
    ties.get_by_role("button", name=f"Move up {refs[2]}").click()
    expect(ties.locator("li .tie-name strong")).to_have_text([refs[2], refs[1]])
    ties.get_by_role("button", name="Use this order").click()
    expect(page.locator("#unresolved legend")).to_have_count(0)
    preview_rows = page.locator("#preview-rows tr")
    expect(preview_rows.nth(1)).to_contain_text(refs[2])
    expect(preview_rows.nth(1)).to_contain_text("resolved by your choice")
    # The entry by its reference, as the ranking shows it (the page may hold only some).
    page.get_by_label("Entry", exact=True).fill("NOPE-0000")
    page.get_by_label("Advance", exact=True).check()
    page.get_by_label("Reason").fill("Strong community support")
    page.get_by_role("button", name="Add the override").click()
    expect(page.locator("#override-entry-error")).to_have_text(
        "No entry of this round has the reference NOPE-0000."
    )
    expect(page.get_by_label("Reason")).to_have_value("Strong community support")
    page.get_by_label("Entry", exact=True).fill(refs[3].lower())
    page.get_by_role("button", name="Add the override").click()
    expect(page.locator("#preview-summary")).to_have_text(
        "3 entries of 4 advance, with 1 override."
    )
    expect(page.locator("#override-list")).to_contain_text("Strong community support")
    page.get_by_label("Tell the entrants").uncheck()
    _checked(page)

    page.get_by_role("button", name="Apply", exact=True).click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_contain_text("3 entries advance; 1 does not.")
    expect(confirm).to_contain_text("Entrants are not told by e-mail.")
    confirm.get_by_role("button", name="Apply the advancement").click()
    expect(page.locator("#applied")).to_contain_text("Applied on")
    expect(page.get_by_role("heading", name="Who advances")).to_be_focused()
    expect(page.locator("#applied")).to_contain_text(
        f"3 entries advanced: {refs[0]}, {refs[2]}, {refs[3]}."
    )
    expect(page.locator("#advanced-header")).to_be_visible()
    _checked(page)
    # After a reload the preview shows the decision as recorded: overrides and tie order kept.
    page.reload()
    expect(page.locator("#applied")).to_contain_text(
        f"3 entries advanced: {refs[0]}, {refs[2]}, {refs[3]}."
    )
    expect(page.locator("#applied")).not_to_contain_text("otherwise than what was applied")
    expect(page.locator("#ranking-rows tr").nth(3)).to_contain_text("Advanced")

    ranking = _ok(org.get(f"/api/rounds/{round_id}/ranking"))
    assert {e["reference"]: e["advanced"] for e in ranking["entries"]} == {
        refs[0]: True,
        refs[1]: False,
        refs[2]: True,
        refs[3]: True,
    }
    for client in (org, entrant, *judges.values()):
        client.close()


def _shows_50_then_55(page: Page, rows: Any, count: Any, button: str, shown: str) -> None:
    """A list of 55 shows 50 and says so (`shown` with 50, then 55); `button` adds the rest,
    the keyboard lands on the first row added, and the button goes."""
    expect(rows).to_have_count(50)
    expect(count).to_have_text(shown.format(50))
    page.get_by_role("button", name=button).click()
    expect(rows).to_have_count(55)
    expect(rows.nth(50).locator("th")).to_be_focused()
    expect(count).to_have_text(shown.format(55))
    expect(page.get_by_role("button", name=button)).to_be_hidden()


def test_a_large_round_pages_its_ranking_and_its_preview(
    page: Page, live_server, smtp_server
) -> None:
    """55 entries: the assignments, the ranking, the preview and the final standings show 50
    and fetch the rest on request, the keyboard lands on the first row added, and the counts
    speak of the whole round."""
    _, mailbox = smtp_server
    base = live_server.url
    stamp = int(time.time() * 1000)
    slug = f"paging-{stamp}"
    organiser = f"org-p{stamp}@example.org"
    org = _organiser(live_server, organiser)
    now = utcnow()
    call = {
        "title": "Paging call",
        "slug": slug,
        "prompt": "How might we?",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=9)).isoformat(),
        "max_entries_per_participant": 60,
        "reference_prefix": "PG",
    }
    _ok(org.post("/api/challenges", json=call), 201)
    _ok(org.post(f"/api/challenges/{slug}/publish"))
    entrant = _client(base, f"entrant-p{stamp}@example.org", "Esi Entrant")
    entry_ids = []
    for i in range(55):
        entry = _ok(entrant.post(f"/api/challenges/{slug}/entries", json={"title": ""}), 201)
        body = {"title": f"Idea {i + 1}", "summary": "What we would do.", "licence_accepted": True}
        _ok(entrant.patch(f"/api/entries/{entry['id']}", json=body))
        entry_ids.append(_ok(entrant.post(f"/api/entries/{entry['id']}/submit"))["id"])
    screened = {"entry_ids": entry_ids, "eligibility": "eligible"}
    _ok(org.post(f"/api/challenges/{slug}/screening", json=screened))
    email = f"ada-p{stamp}@uni-a.edu"
    _ok(
        org.post(f"/api/challenges/{slug}/judges", json={"email": email, "display_name": "Ada"}),
        201,
    )
    token = _mail(mailbox, email, r"judge-invitation\.html\?token=(\S+)")
    _ok(_client(base, email, "Ada").post("/api/judge-invitations/accept", json={"token": token}))
    round_ = {
        "name": "First round",
        "judges_per_entry": 1,
        "advancement": {"kind": "manual"},
        "criteria": [{"name": "Impact", "weight": 1, "preset": "1-10"}],
    }
    round_id = _ok(org.post(f"/api/challenges/{slug}/rounds", json=round_), 201)["id"]
    _ok(org.post(f"/api/rounds/{round_id}/assign", json={"seed": 1}))

    _log_in(page, base, organiser)
    page.goto(f"{base}/assignments.html?slug={slug}&round={round_id}")
    expect(page.locator("#assignments-count")).to_have_text("55 entries, 55 pairs.")
    _shows_50_then_55(
        page,
        page.locator("#assignments-table tbody"),
        page.locator("#assignments-shown"),
        "Show more entries",
        "{} of 55 entries shown.",
    )
    _checked(page)

    page.goto(f"{base}/ranking.html?slug={slug}&round={round_id}")
    rows = page.locator("#ranking-rows tr")
    _shows_50_then_55(
        page,
        rows,
        page.locator("#ranking-count"),
        "Show more entries",
        "{} of 55 entries shown, 0 with scorecards.",
    )
    expect(rows.nth(54).locator("td").first).to_have_text("55")

    expect(page.locator("#preview-summary")).to_have_text("0 entries of 55 advance.")
    _shows_50_then_55(
        page,
        page.locator("#preview-rows tr"),
        page.locator("#preview-shown"),
        "Show more of the preview",
        "{} of 55 entries shown.",
    )
    _checked(page)

    # The final standings, by the jury alone, page the same way.
    _ok(org.patch(f"/api/challenges/{slug}/results/rules", json={"w_jury": 1, "w_public": 0}))
    page.goto(f"{base}/results-admin.html?slug={slug}")
    _shows_50_then_55(
        page,
        page.locator("table.standings tbody tr"),
        page.locator(".group-count"),
        "Show more entries of All entries",
        "{} of 55 entries shown.",
    )
    _checked(page)
