"""The evaluation dashboard in a real Chromium at 360 px, in US English. Set up through the API:
a call with six entries from two entrants (Nigeria and the United Kingdom), five submitted,
three screened eligible, one ineligible and one waiting; a panel of two judges by perspective;
a round where the one judge who accepted submitted two scorecards and left one as a draft.
The organiser opens the dashboard, reads the funnel, the income groups and the round from
its tables, enters reach and costs (a wrong figure is shown at its field) and sees the cost
per eligible entry, downloads the figures, then follows to Exports and downloads the entries
CSV and the bundle. An admin compares two calls side by side on stats.html; an organiser is
told it is for admins. axe and the 360 px check on both pages."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url, utcnow
from tests.browser.test_results_journey import CRITERIA, PASSWORD, _checked, _client, _log_in, _ok
from tests.browser.test_results_journey import _token as _invitation_token
from tests.factories import COMPLETE, make_challenge, start_entry

pytestmark = pytest.mark.browser

# title → (entrant, country, category, gender answer)
ENTRIES = {
    "Peer self-test kits": ("ama", "NG", "Community", "Woman"),
    "Evening clinic hours": ("ama", "NG", "Clinic", "Woman"),
    "Radio drama about testing": ("ama", "NG", "Community", None),
    "Testing at the pharmacy": ("ben", "GB", "Clinic", None),
    "A text-message reminder": ("ben", "GB", "Community", None),
}
DRAFT = "Half an idea"


@pytest.fixture
def en_page(browser: Browser) -> Iterator[Page]:
    """A 360 px page in US English (numbers and money read the same on every machine); script
    errors fail the test."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield page
    context.close()
    assert errors == [], f"errors in the page: {errors}"


def _people(live_server: Any, names: dict[str, str], stamp: str, admin: str = "") -> dict[str, str]:
    """Registered, verified accounts (the one keyed `admin` a platform admin): key → e-mail."""
    email = {key: f"{key}-{stamp}@example.org" for key in names}
    with _client(live_server.url) as anon:
        for key, name in names.items():
            body = {"email": email[key], "display_name": name, "password": PASSWORD}
            _ok(anon.post("/api/auth/register", json=body), 201)
    engine = create_engine(normalise_database_url(live_server.database_url))
    with engine.begin() as conn:
        for key, address in email.items():
            conn.execute(
                text(
                    'UPDATE "user" SET email_verified_at = created_at, is_admin = :admin '
                    "WHERE email = :e"
                ),
                {"e": address, "admin": key == admin},
            )
    engine.dispose()
    return email


def _call(live_server: Any, mailbox: Any) -> dict[str, Any]:
    """The call, its entries, screening, panel and a half-judged round (API)."""
    stamp = secrets.token_hex(3)
    slug = f"dashboard-{stamp}"
    names = {"org": "Olu Organiser", "ama": "Ama Mensah", "ben": "Ben Hale"}
    names |= {"ada": "Ada Achebe", "bo": "Bo Bello"}
    email = _people(live_server, names, stamp)
    base = live_server.url
    ids: dict[str, int] = {}
    with _client(base, email["org"]) as org:
        make_challenge(org, slug, max_entries_per_participant=5)  # type: ignore[arg-type]
        for title, (who, country, category, gender) in ENTRIES.items():
            answers = {**COMPLETE["answers"], "country": country}
            if gender:
                answers["gender"] = gender
            body = {**COMPLETE, "title": title, "category": category, "answers": answers}
            with _client(base, email[who]) as entrant:
                entry = start_entry(entrant, slug, body)  # type: ignore[arg-type]
                ids[title] = _ok(entrant.post(f"/api/entries/{entry['id']}/submit"))["id"]
        with _client(base, email["ben"]) as ben:
            start_entry(ben, slug, {"title": DRAFT})  # type: ignore[arg-type]
        screen = f"/api/challenges/{slug}/screening"
        eligible = [ids[t] for t, (who, *_) in ENTRIES.items() if who == "ama"]
        _ok(org.post(screen, json={"entry_ids": eligible, "eligibility": "eligible"}))
        ineligible = {"eligibility": "ineligible", "reason": "Incomplete"}
        _ok(org.post(screen, json={"entry_ids": [ids["Testing at the pharmacy"]], **ineligible}))
        for judge, tags in (("ada", ["community", "clinician"]), ("bo", ["clinician"])):
            invite = {"email": email[judge], "display_name": names[judge], "tags": tags}
            _ok(org.post(f"/api/challenges/{slug}/judges", json=invite), 201)
        with _client(base, email["ada"]) as ada:
            token = _invitation_token(mailbox, email["ada"])
            _ok(ada.post("/api/judge-invitations/accept", json={"token": token}))
        now = utcnow()
        round_ = _ok(
            org.post(
                f"/api/challenges/{slug}/rounds",
                json={
                    "name": "Jury round",
                    "judges_per_entry": 1,
                    "opens_at": (now - timedelta(hours=1)).isoformat(),
                    "closes_at": (now + timedelta(days=7)).isoformat(),
                    "criteria": CRITERIA,
                },
            ),
            201,
        )
        _ok(org.post(f"/api/rounds/{round_['id']}/assign", json={"seed": 1}))
    # Ada scores two entries 9 and 5 on both 1–10 criteria (8/9 and 4/9 on 0–1) and submits
    # them; the third stays a draft.
    with _client(base, email["ada"]) as ada:
        mine = [a for a in _ok(ada.get("/api/me/assignments")) if a["round_id"] == round_["id"]]
        assert len(mine) == 3
        for assignment, score in zip(mine, (9, 5, 7), strict=True):
            values = [{"criterion_id": c["id"], "value": score} for c in round_["criteria"]]
            scorecard = f"/api/assignments/{assignment['id']}/scorecard"
            _ok(ada.put(scorecard, json={"values": values, "feedback": ""}))
            if score != 7:
                _ok(ada.post(f"{scorecard}/submit"))
    return {"slug": slug, "email": email}


def _cells(page: Page, caption: str) -> list[list[str]]:
    """The rows of the table with this caption, each as its heading and cells' text."""
    table = page.get_by_role("table", name=caption, exact=True)
    expect(table).to_be_visible()
    return [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]


def test_an_organiser_reads_the_dashboard_and_downloads_the_entries_and_the_bundle(
    en_page: Page, live_server: Any, smtp_server: Any, tmp_path: Path
) -> None:
    page = en_page
    _, mailbox = smtp_server
    world = _call(live_server, mailbox)
    slug = world["slug"]
    _log_in(page, live_server.url, world["email"]["org"], f"/dashboard.html?slug={slug}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
    expect(page.locator("#organiser-nav [aria-current=page]")).to_have_text("Dashboard")
    expect(page.locator("#page-body")).to_be_visible()
    _checked(page)

    # The funnel: its chart is one image whose label gives the figures, its table each row.
    funnel = _cells(page, "The funnel")
    assert [row[0] for row in funnel][1:] == [
        "Started an entry",
        "Submitted",
        "Eligible",
        "Advanced from Jury round",
        "Awarded or recognised",
    ]
    assert [row[1] for row in funnel][1:] == ["6", "5", "3", "0", "0"]
    expect(page.locator("#funnel svg[role=img]")).to_have_attribute(
        "aria-label", "The funnel, bar chart: " + "; ".join(f"{a} {b}" for a, b in funnel) + "."
    )
    states = page.locator("#states li")
    expect(states.filter(has_text="Waiting for screening")).to_contain_text("1")
    expect(states.filter(has_text="Ineligible")).to_contain_text("1")
    expect(states.filter(has_text="Drafts")).to_contain_text("1")

    # Where the entries come from: 3 of 5 from a lower-middle-income country.
    assert _cells(page, "Submitted entries by country") == [
        ["Nigeria", "Lower middle income", "3", "60%"],
        ["United Kingdom", "High income", "2", "40%"],
    ]
    expect(page.locator("#lmic-share")).to_have_text(
        "3 of the 5 submitted entries from a country with a World Bank income group (60%) "
        "come from low- and middle-income countries."
    )
    assert _cells(page, "Submitted entries by gender") == [
        ["Woman", "2", "40%"],
        ["Not answered", "3", "60%"],
    ]
    expect(page.locator("#people-note")).to_have_text(
        "2 of 2 people (100%) had never submitted an entry to another call here before."
    )
    # Every submission today (in the call's zone), the deadline day marked on the chart.
    today = datetime.now(ZoneInfo("Africa/Lagos")).date()
    caption = "Submitted entries per day (days in Africa/Lagos; days without any are left out)"
    assert _cells(page, caption) == [[f"{today:%b} {today.day}, {today.year}", "5"]]
    expect(page.locator("#days .chart-marker-label")).to_contain_text("Deadline")

    # Judging: the panel by perspective, the round's progress and its scores on 1–10.
    assert _cells(page, "Judges by perspective") == [
        ["clinician", "2"],
        ["community", "1"],
        ["No perspective tagged", "0"],
    ]
    expect(page.locator("#judging .progress-label")).to_have_text(
        "Scorecards submitted: 2 of 3 (66.7%), 1 more saved as a draft."
    )
    expect(page.locator("#judging progress")).to_have_attribute("value", "2")
    scores = _cells(page, "Jury round: entries by mean score, on the round’s scale")
    assert [row for row in scores if row[1] != "0"] == [
        ["4.6 to under 5.5", "1"],
        ["8.2 to under 9.1", "1"],
    ]
    expect(page.locator("#votes")).to_have_text("There is no public vote on this call.")

    # Reach and costs: a negative count comes back from the server next to its field.
    expect(page.locator("#costs li").filter(has_text="Per eligible entry")).to_contain_text("—")
    expect(page.locator("#costs-note")).to_have_text(
        "Enter the costs below to see the cost per submitted and per eligible entry."
    )
    form = page.locator("#reach-form")
    form.get_by_label("Events held").fill("-1")
    form.get_by_role("button", name="Save reach and costs").click()
    expect(page.locator("#events-error")).to_contain_text("greater than or equal to 0")
    expect(form.get_by_label("Events held")).to_be_focused()
    for label, value in (
        ("Events held", "4"),
        ("People at the events", "350"),
        ("People reached online", "12000"),
        ("Partner organisations", "3"),
        ("Currency", "usd"),
        ("Prizes", "1000"),
        ("Staff", "400"),
        ("Promotion", "100"),
    ):
        form.get_by_label(label).fill(value)
    expect(form.get_by_label("Currency")).to_have_value("USD")
    form.get_by_role("button", name="Save reach and costs").click()
    expect(form.locator("[data-status]")).to_have_text(
        "Saved. The costs per entry above are worked out from these figures."
    )
    costs = page.locator("#costs li")
    expect(costs.filter(has_text="Total costs")).to_contain_text("$1,500.00")
    expect(costs.filter(has_text="Per submitted entry")).to_contain_text("$300.00")
    expect(costs.filter(has_text="Per eligible entry")).to_contain_text("$500.00")
    expect(page.locator("#events-error")).to_be_empty()
    expect(page.locator("#costs-note")).to_be_empty()
    page.reload()
    expect(form.get_by_label("People at the events")).to_have_value("350")
    expect(costs.filter(has_text="Per eligible entry")).to_contain_text("$500.00")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download these figures (CSV)").click()
    assert info.value.suggested_filename == f"{slug}-stats.csv"
    figures = {
        (row["section"], row["key"]): row["value"]
        for row in csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8")))
    }
    assert figures[("funnel", "submitted")] == "5"
    assert float(figures[("costs", "per_eligible")]) == 500

    # On to the exports: the entries table and the bundle.
    page.get_by_role("link", name="Exports: entries, scores, votes and the bundle").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Exports")
    with page.expect_download() as info:
        page.get_by_role("link", name="Entries (CSV)", exact=True).click()
    assert info.value.suggested_filename == f"{slug}-entries.csv"
    entries_csv = Path(info.value.path()).read_bytes()
    rows = list(csv.DictReader(io.StringIO(entries_csv.decode("utf-8"), newline="")))
    assert sorted(r["title"] for r in rows) == sorted([*ENTRIES, DRAFT])
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the bundle (ZIP)").click()
    assert info.value.suggested_filename == f"{slug}-bundle.zip"
    archive = zipfile.ZipFile(info.value.path())
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert archive.read("entries.csv") == entries_csv


def test_an_admin_compares_calls_side_by_side(en_page: Page, live_server: Any) -> None:
    page = en_page
    stamp = secrets.token_hex(3)
    names = {"org": "Olu Organiser", "ama": "Ama Mensah", "admin": "Ade Admin"}
    email = _people(live_server, names, stamp, admin="admin")
    titles = {f"older-{stamp}": f"Clean water {stamp}", f"newer-{stamp}": f"Safe roads {stamp}"}
    with (
        _client(live_server.url, email["org"]) as org,
        _client(live_server.url, email["ama"]) as ama,
    ):
        for slug, title in titles.items():
            make_challenge(org, slug, title=title)  # type: ignore[arg-type]
        entry = start_entry(ama, f"older-{stamp}", COMPLETE)  # type: ignore[arg-type]
        _ok(ama.post(f"/api/entries/{entry['id']}/submit"))

    # An organiser is not an admin: no link on their page, and the figures are refused.
    _log_in(page, live_server.url, email["org"], "/manage.html")
    expect(page.get_by_role("heading", name="Calls you manage")).to_be_visible()
    expect(page.locator("#admin-stats")).to_be_hidden()
    page.goto(f"{live_server.url}/stats.html")
    expect(page.locator("#page-alert")).to_contain_text(
        "Only platform administrators can see every call’s figures."
    )
    expect(page.locator("#page-body")).to_be_hidden()
    page.context.clear_cookies()

    _log_in(page, live_server.url, email["admin"], "/manage.html")
    page.get_by_role("link", name="every call’s figures side by side").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Every call’s figures")
    table = page.get_by_role("table", name="Calls side by side")
    rows = {title: table.locator("tbody tr").filter(has_text=title) for title in titles.values()}
    listed = table.locator("tbody tr")
    expect(listed.first).to_be_visible()
    while rows[f"Clean water {stamp}"].count() == 0:  # on a later page when many calls exist
        shown = listed.count()
        page.get_by_role("button", name="Load more calls").click()
        expect(listed).not_to_have_count(shown)
    _checked(page)
    # Call, opens, deadline, started, submitted, eligible, awarded, countries, LMIC share, …
    older = rows[f"Clean water {stamp}"].locator("th, td").all_inner_texts()
    newer = rows[f"Safe roads {stamp}"].locator("th, td").all_inner_texts()
    assert older[3:9] + older[9:11] == ["1", "1", "0", "0", "1", "100%", "1", "1"]
    assert newer[3:9] == ["0", "0", "0", "0", "0", "—"]
    # Side by side: newest first.
    order = table.locator("tbody th").all_inner_texts()
    assert order.index(f"Safe roads {stamp}") < order.index(f"Clean water {stamp}")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download every call’s figures (CSV)").click()
    summaries = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
    assert {r["slug"]: r["submitted"] for r in summaries if r["slug"] in titles} == {
        f"older-{stamp}": "1",
        f"newer-{stamp}": "0",
    }

    page.get_by_role("link", name=f"Clean water {stamp}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
    expect(page.get_by_role("table", name="The funnel")).to_contain_text("Submitted")
