"""The entrant's journey from an empty database, through the pages only, in a real Chromium at
360 px. An organiser's open call, its judges and, later, their decisions are made through the
API; the entrant does everything else as a person would: registers from the home page,
verifies by the link the test SMTP server received, logs in, finds the call in the list,
starts an entry, fills the form, uploads a file, submits and reads the receipt, changes the
entry after submitting (the call is still open), starts a second entry and withdraws it through
its dialog, and reads both statuses on "My entries". The organiser screens the entry eligible,
two judges score it with feedback for the entrant, the organiser advances it with the feedback
released, proposes the awards and publishes the results; the entrant then reads on their pages
that the entry is eligible, that it advanced, what the judges wrote, and that it won, and opens
the certificate. axe and the 360 px check on every page."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.core.db import utcnow
from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import (  # noqa: F401
    PASSWORD,
    _checked,
    _client,
    _ok,
    _token,
    new_page,
)
from tests.factories import make_challenge

pytestmark = pytest.mark.browser

CALL = "HIV testing for young people"
FORM = [
    {"key": "idea", "type": "long_text", "label": "Your idea", "required": True, "public": True},
    {"key": "country", "type": "country", "label": "Country", "required": True},
    {"key": "consent", "type": "checkbox", "label": "I consent to sharing", "required": True},
    {
        "key": "poster",
        "type": "file",
        "label": "Poster",
        "public": True,
        "config": {"accept": ["pdf"], "max_size_mb": 1, "max_files": 1},
    },
]
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 2000
FEEDBACK = {
    "ada": "A clear plan; say how the kits reach girls who do not play football.",
    "bo": "Strong idea. Budget the training of the peers.",
}


def mailed_link(mailbox: Any, address: str, pattern: str) -> str:
    """The first link matching `pattern` in the mail `address` received (waits for it)."""
    return mailbox.wait_for(address, rf"(https?://\S+{pattern}\S*)")[0].group(1)


def mail_containing(mailbox: Any, address: str, text: str) -> str:
    """The subject and plain text of the first mail to `address` holding `text` (waits)."""
    return mailbox.wait_for(address, re.escape(text))[0].string


def register_and_verify(page: Page, base: str, mailbox: Any, email: str, name: str) -> None:
    """From the home page: create the account, then open the link mailed to verify it."""
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Fair, open challenge contests for health"
    )
    _checked(page)
    page.get_by_role("link", name="Create an account").click()
    page.wait_for_url(re.compile(r".*/register\.html$"))
    page.wait_for_load_state("networkidle")  # the form's script is ready
    _checked(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Check your e-mail for a link to verify your address")).to_be_visible()
    _checked(page)
    # The person opens the link in the mail.
    page.goto(mailed_link(mailbox, email, r"/verify\.html\?token="))
    expect(page.get_by_text("Your e-mail address is verified")).to_be_visible()
    _checked(page)


def log_in_from_the_header(page: Page, email: str) -> None:
    """The "Log in" link in the header and its form, which lead back to the page it was on."""
    back = page.url
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.wait_for_url(re.compile(r".*/login\.html"))
    page.wait_for_load_state("networkidle")  # the form's script is ready
    _checked(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(back)


def _open_call(server: Any, mailbox: Any, stamp: str) -> dict[str, Any]:
    """The organiser's published, open call and two judges who accepted (API)."""
    names = {"org": "Olu Organiser", "ada": "Ada Achebe", "bo": "Bo Bello"}
    email = _people(server, names, stamp)
    slug = f"entrant-{stamp}"
    with _client(server.url, email["org"]) as org:
        make_challenge(
            org,  # type: ignore[arg-type]
            slug,
            form=FORM,
            max_entries_per_participant=3,
        )
        for judge in ("ada", "bo"):
            body = {"email": email[judge], "display_name": names[judge]}
            _ok(org.post(f"/api/challenges/{slug}/judges", json=body), 201)
    for judge in ("ada", "bo"):
        with _client(server.url, email[judge]) as client:
            token = _token(mailbox, email[judge])
            _ok(client.post("/api/judge-invitations/accept", json={"token": token}))
    return {"slug": slug, "email": email}


def _judged_and_published(server: Any, world: dict[str, Any], entry_id: int) -> int:
    """Screened eligible, scored by both judges with feedback, advanced with the feedback
    released, awarded and published (API). Returns the winner's award id."""
    base, slug, email = server.url, world["slug"], world["email"]
    now = utcnow()
    with _client(base, email["org"]) as org:
        screened = {"eligibility": "eligible", "note": "Meets every rule."}
        _ok(org.post(f"/api/entries/{entry_id}/eligibility", json=screened))
        round_ = _ok(
            org.post(
                f"/api/challenges/{slug}/rounds",
                json={
                    "name": "Jury round",
                    "judges_per_entry": 2,
                    "opens_at": (now - timedelta(hours=1)).isoformat(),
                    "closes_at": (now + timedelta(days=7)).isoformat(),
                    "advancement": {"kind": "top_n", "n": 1},
                    "criteria": [{"name": "Impact", "weight": 1, "preset": "1-10"}],
                },
            ),
            201,
        )
        _ok(org.post(f"/api/rounds/{round_['id']}/assign", json={"seed": 1}))
        for judge in ("ada", "bo"):
            with _client(base, email[judge]) as client:
                [mine] = [
                    a
                    for a in _ok(client.get("/api/me/assignments"))
                    if a["round_id"] == round_["id"]
                ]
                values = [{"criterion_id": c["id"], "value": 8} for c in round_["criteria"]]
                body = {"values": values, "feedback": FEEDBACK[judge]}
                _ok(client.put(f"/api/assignments/{mine['id']}/scorecard", json=body))
                _ok(client.post(f"/api/assignments/{mine['id']}/scorecard/submit"))
        _ok(
            org.post(
                f"/api/rounds/{round_['id']}/advancement/apply",
                json={"release_feedback": True},
            )
        )
        _ok(org.post(f"/api/challenges/{slug}/awards/propose"))
        _ok(org.post(f"/api/challenges/{slug}/results/publish", json={}))
        awards = _ok(org.get(f"/api/challenges/{slug}/awards"))
    [winner] = [a for a in awards if a["tier"] == "winner"]
    assert winner["entry_id"] == entry_id
    return winner["id"]


def test_the_entrant_journey(
    new_page: Any,  # noqa: F811
    fresh_server,
    smtp_server,
    tmp_path: Path,
) -> None:
    _, mailbox = smtp_server
    base = fresh_server.url
    stamp = secrets.token_hex(3)
    world = _open_call(fresh_server, mailbox, stamp)
    slug = world["slug"]
    me = f"esi-{stamp}@example.net"
    page = new_page()

    # ------------------------------------------------------------ register, verify, log in
    register_and_verify(page, base, mailbox, me, "Esi Entrant")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/")
    log_in_from_the_header(page, me)
    expect(page.locator("#greeting")).to_have_text("Welcome back, Esi Entrant.")

    # ------------------------------------------------------------ find the call
    page.get_by_role("link", name="Browse open calls").click()
    page.wait_for_url(re.compile(r".*/challenges\.html$"))
    open_calls = page.locator("#open-section")
    expect(open_calls.get_by_role("link", name=CALL)).to_be_visible()
    _checked(page)
    open_calls.get_by_role("link", name=CALL).click()
    page.wait_for_url(re.compile(rf".*/challenge\.html\?slug={slug}$"))
    expect(page.locator("#call-title")).to_have_text(CALL)
    expect(page.locator("#call-prompt")).to_have_text(
        "How might we make HIV testing easier for young people?"
    )
    _checked(page)

    # ------------------------------------------------------------ draft, upload, submit
    page.get_by_role("button", name="Start an entry").click()
    page.wait_for_url(re.compile(r".*/entry\.html\?id=\d+$"))
    entry_url = page.url
    entry_id = int(entry_url.rsplit("=", 1)[1])
    expect(page.locator("#state-facts")).to_contain_text("Draft: not submitted yet")
    expect(page.get_by_role("link", name=CALL)).to_be_visible()
    _checked(page)
    page.get_by_label("Title", exact=True).fill("Self-test kits in youth clubs")
    page.get_by_label("Summary").fill("Peers hand out free self-test kits after football.")
    page.get_by_label("Category").select_option("Community")
    page.get_by_label("Your idea").fill("Trained peers hand out kits and answer questions.")
    page.get_by_label("Country").select_option("NG")
    page.get_by_label("I consent to sharing").check()
    poster = tmp_path / "kits-poster.pdf"
    poster.write_bytes(PDF)
    page.locator("input[type=file]").set_input_files(str(poster))
    expect(page.get_by_text("kits-poster.pdf").first).to_be_visible()
    page.get_by_label(re.compile("I agree to share my entry")).check()
    expect(page.locator("#save-status")).to_contain_text("All changes saved", timeout=15000)
    # Nothing left to do: the line says so rather than vanishing under the entrant's thumb.
    expect(page.locator("#problem-count")).to_have_text("Nothing left to finish: you can submit")
    page.get_by_role("button", name="Submit entry").click()
    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Entry submitted")).to_be_focused()
    expect(page.locator("#receipt-reference")).to_have_text("HIV-0001")
    expect(page.locator("#receipt-title")).to_have_text("Self-test kits in youth clubs")
    expect(receipt.get_by_role("button", name="Print receipt")).to_be_visible()
    expect(page.locator("#receipt-mail")).to_have_text(
        "We have sent a receipt to your e-mail address. Keep your reference: quote it if you "
        "contact the organisers."
    )
    assert "Self-test kits in youth clubs" in mail_containing(mailbox, me, "HIV-0001")
    expect(page.locator("#state-facts")).to_contain_text("Submitted")
    _checked(page)

    # ------------------------------------------------------------ edit after submitting
    expect(page.locator("#editing-note")).to_contain_text("You can still change it")
    page.get_by_label("Summary").fill(
        "Peers hand out free self-test kits after football and netball."
    )
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#save-status")).to_contain_text(
        "The earlier version is kept as a revision."
    )
    page.reload()
    expect(page.get_by_label("Summary")).to_have_value(
        "Peers hand out free self-test kits after football and netball."
    )
    expect(page.locator("#receipt-reference")).to_have_text("HIV-0001")

    # ------------------------------------------------------------ a second entry, withdrawn
    page.get_by_role("link", name=CALL).click()
    page.wait_for_url(re.compile(rf".*/challenge\.html\?slug={slug}$"))
    expect(page.locator("#my-call-entries")).to_contain_text("Self-test kits in youth clubs")
    page.get_by_role("button", name="Start an entry").click()
    page.wait_for_url(re.compile(r".*/entry\.html\?id=\d+$"))
    assert page.url != entry_url
    page.get_by_label("Title", exact=True).fill("Testing at the bus station")
    expect(page.locator("#save-status")).to_contain_text("All changes saved", timeout=15000)
    page.get_by_role("button", name="Withdraw entry").click()
    dialog = page.locator("#withdraw-dialog")
    expect(dialog.get_by_role("heading", name="Withdraw this entry?")).to_be_visible()
    expect(dialog.get_by_role("button", name="Keep my entry")).to_be_focused()
    _checked(page)
    dialog.get_by_role("button", name="Yes, withdraw entry").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#state-facts")).to_contain_text("Withdrawn")
    expect(page.locator("#read-only-note")).to_have_text(
        "This entry was withdrawn, so it cannot be changed."
    )
    expect(page.get_by_role("button", name="Withdraw entry")).to_be_hidden()
    _checked(page)

    # ------------------------------------------------------------ My entries
    page.get_by_role("link", name="My entries").click()
    page.wait_for_url(re.compile(r".*/my-entries\.html$"))
    cards = page.locator("#entries li.card")
    expect(cards).to_have_count(2)
    submitted = cards.filter(has_text="Self-test kits in youth clubs")
    withdrawn = cards.filter(has_text="Testing at the bus station")
    expect(submitted.locator(".status")).to_have_text("Submitted")
    expect(submitted).to_contain_text("HIV-0001")
    expect(submitted).to_contain_text("Not screened yet")
    expect(withdrawn.locator(".status")).to_have_text("Withdrawn")
    _checked(page)

    # ------------------------------------------------------------ the organisers decide (API)
    award_id = _judged_and_published(fresh_server, world, entry_id)

    # ------------------------------------------------------------ status, feedback, outcome
    page.reload()
    expect(submitted).to_contain_text("Eligible")
    submitted.get_by_role("link", name="Self-test kits in youth clubs").click()
    page.wait_for_url(entry_url)
    expect(page.locator("#state-facts")).to_contain_text("Eligible")
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("Jury round")
    expect(outcome).to_contain_text("Advanced to the next round")
    expect(outcome.get_by_role("heading", name="Feedback from the judges")).to_be_visible()
    for text in FEEDBACK.values():
        expect(outcome).to_contain_text(text)
    expect(outcome).to_contain_text("Winner")
    for name in ("Ada Achebe", "Bo Bello"):  # the feedback does not name the judges
        expect(outcome).not_to_contain_text(name)
    _checked(page)
    # The mail that told them says the same.
    told = mail_containing(mailbox, me, FEEDBACK["ada"])
    assert FEEDBACK["bo"] in told
    page.get_by_role("link", name="Print the certificate").click()
    page.wait_for_url(re.compile(rf".*/certificate\.html\?award={award_id}$"))
    expect(page.locator("#cert-names")).to_have_text("Esi Entrant")
    expect(page.locator("#cert-award")).to_have_text("Winner")
    expect(page.locator("#cert-entry-title")).to_have_text("“Self-test kits in youth clubs”")
    expect(page.locator("#cert-reference")).to_have_text("(HIV-0001)")
    expect(page.locator("#cert-call")).to_have_text(CALL)
    _checked(page)
