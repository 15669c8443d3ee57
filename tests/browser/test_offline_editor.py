"""The entry editor through a dropped connection, in a real Chromium at 360 px: changes
typed offline are kept on the phone (per account and entry), marked beside their fields and
counted in the status line; submitting is refused until they are sent; a new page after the
connection returns puts them back and sends them. A save the server answers 503 is retried
until it lands, and a change made meanwhile on another device is never silently overwritten:
the entrant chooses, by keyboard, which version to keep. axe checks the offline editor."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import _client
from tests.factories import make_challenge

pytestmark = pytest.mark.browser

FORM = [{"key": "idea", "type": "long_text", "label": "Your idea", "required": True}]
SAVED = re.compile("All changes saved")
WAIT = 20_000  # ms: long enough for a few rounds of the editor's back-off


@dataclass
class World:
    base: str
    slug: str
    entrant: httpx.Client  # the entrant's "other device"
    user_id: int
    cookie: str


@pytest.fixture(scope="module")
def world(live_server) -> Iterator[World]:
    """An open call with one question, and an entrant logged in through the API."""
    base = live_server.url
    stamp = f"o{int(time.time() * 1000)}"
    email = _people(live_server, {"org": "Olu Organiser", "ama": "Ama Offline"}, stamp)
    slug = f"offline-{stamp}"
    with _client(base, email["org"]) as org, _client(base, email["ama"]) as ent:
        make_challenge(org, slug, form=FORM, max_entries_per_participant=10)  # type: ignore[arg-type]
        me = ent.get("/api/auth/me").json()
        yield World(base, slug, ent, me["id"], ent.cookies["opencall_session"])


class Editor:
    """One browser (context: its own localStorage) logged in as the entrant."""

    def __init__(self, browser: Browser, world: World) -> None:
        self.world = world
        self.context: BrowserContext = browser.new_context(viewport={"width": 360, "height": 740})
        self.context.add_cookies(
            [{"name": "opencall_session", "value": world.cookie, "url": world.base}]
        )
        self.errors: list[str] = []

    def open(self, entry_id: int) -> Page:
        page = self.context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # A failed request is expected here (offline, 503); a script error is not.
        page.on(
            "console",
            lambda msg: (
                self.errors.append(msg.text)
                if msg.type == "error" and not msg.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.goto(f"{self.world.base}/entry.html?id={entry_id}")
        expect(page.get_by_label("Title", exact=True)).to_be_visible()
        return page


@pytest.fixture
def editor(browser: Browser, world: World) -> Iterator[Editor]:
    e = Editor(browser, world)
    yield e
    e.context.close()
    assert e.errors == [], f"errors in the page: {e.errors}"


def _new_entry(world: World) -> int:
    r = world.entrant.post(f"/api/challenges/{world.slug}/entries", json={"title": ""})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _saved(world: World, entry_id: int) -> dict[str, Any]:
    entry = world.entrant.get(f"/api/entries/{entry_id}").json()
    return {
        "title": entry["title"],
        "summary": entry["summary"],
        "idea": entry["answers"].get("idea"),
    }


def _status(page: Page):
    return page.locator("#save-status")


def _axe(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], page.url


def test_changes_typed_offline_are_kept_marked_and_sent_when_back(
    editor: Editor, world: World
) -> None:
    entry_id = _new_entry(world)
    page = editor.open(entry_id)
    page.get_by_label("Title", exact=True).fill("Kits in youth clubs")
    expect(_status(page)).to_have_text(SAVED, timeout=WAIT)

    editor.context.set_offline(True)
    page.get_by_label("Summary").fill("Peers hand out kits.")
    page.get_by_label("Your idea").fill("Written on the bus.")
    expect(_status(page)).to_have_text(
        "Offline: 2 changes kept on this device, will send when you are back online.",
        timeout=WAIT,
    )
    # Each unsaved field says so in words, and its input is described by the note.
    summary = page.get_by_label("Summary")
    expect(page.locator("#f-summary-unsaved")).to_have_text("Not saved yet: kept on this device")
    expect(page.locator("#f-answers-idea-unsaved")).to_have_text(
        "Not saved yet: kept on this device"
    )
    expect(page.locator("#f-title-unsaved")).to_have_text("")
    assert "f-summary-unsaved" in (summary.get_attribute("aria-describedby") or "").split()
    expect(summary).to_have_accessible_description(
        re.compile("^Not saved yet: kept on this device")
    )
    # Kept for this account and this entry only.
    assert page.evaluate("Object.keys(localStorage)") == [
        f"opencall.entry.{entry_id}.by.{world.user_id}.unsent"
    ]
    _axe(page)

    # Submitting is refused while changes are on the phone only.
    page.get_by_role("button", name="Submit entry").click()
    expect(page.locator("#submit-errors")).to_contain_text(
        "The entry was not submitted: you are offline and 2 changes not saved yet."
    )
    expect(page.locator("#submit-errors")).to_contain_text("Summary: Not saved yet")
    assert _saved(world, entry_id) == {"title": "Kits in youth clubs", "summary": "", "idea": None}
    assert world.entrant.get(f"/api/entries/{entry_id}").json()["status"] == "draft"

    # The page is closed; the connection comes back; the entrant opens the entry again.
    page.close()
    editor.context.set_offline(False)
    page = editor.open(entry_id)
    expect(page.get_by_label("Summary")).to_have_value("Peers hand out kits.")
    expect(page.get_by_label("Your idea")).to_have_value("Written on the bus.")
    expect(_status(page)).to_have_text(SAVED, timeout=WAIT)
    expect(page.locator("#local-note")).to_have_text(
        "Changes typed on this device earlier have been put back and saved."
    )
    expect(page.locator("#f-summary-unsaved")).to_have_text("")
    assert _saved(world, entry_id) == {
        "title": "Kits in youth clubs",
        "summary": "Peers hand out kits.",
        "idea": "Written on the bus.",
    }
    assert page.evaluate("Object.keys(localStorage)") == []


def test_kept_changes_the_server_already_has_read_as_saved(editor: Editor, world: World) -> None:
    """Changes kept on the phone can reach the server without this page knowing (sent as the
    last page closed, or typed again on a laptop): opened again, the editor forgets them and
    says everything is saved, rather than leaving the status line empty."""
    entry_id = _new_entry(world)
    page = editor.open(entry_id)
    editor.context.set_offline(True)
    page.get_by_label("Summary").fill("Sent as the page closed.")
    expect(_status(page)).to_contain_text("Offline: 1 change", timeout=WAIT)
    page.close()
    r = world.entrant.patch(
        f"/api/entries/{entry_id}", json={"summary": "Sent as the page closed."}
    )
    assert r.status_code == 200, r.text

    editor.context.set_offline(False)
    page = editor.open(entry_id)
    expect(page.get_by_label("Summary")).to_have_value("Sent as the page closed.")
    expect(_status(page)).to_have_text(SAVED, timeout=WAIT)
    expect(page.locator("#f-summary-unsaved")).to_have_text("")
    expect(page.locator("#local-note")).to_be_hidden()
    assert page.evaluate("Object.keys(localStorage)") == []


def test_saving_a_draft_online_moves_nothing_under_the_thumb(editor: Editor, world: World) -> None:
    """While a draft's change is on its way over a working connection no note appears beside
    the field, so the fields below stay where the entrant is about to tap."""
    entry_id = _new_entry(world)
    page = editor.open(entry_id)
    held: list[Route] = []
    page.route(
        re.compile(r".*/api/entries/\d+$"),
        lambda route: held.append(route) if route.request.method == "PATCH" else route.continue_(),
    )
    page.get_by_label("Title", exact=True).fill("Typed on a slow line")
    expect(_status(page)).to_have_text("Saving…", timeout=WAIT)
    assert len(held) == 1
    expect(page.locator("#f-title-unsaved")).to_have_text("")
    summary = page.get_by_label("Summary")
    before = summary.bounding_box()
    held.pop().continue_()
    expect(_status(page)).to_have_text(SAVED, timeout=WAIT)
    assert summary.bounding_box() == before
    assert _saved(world, entry_id)["title"] == "Typed on a slow line"


def test_a_save_the_server_answers_503_is_retried_until_it_lands(
    editor: Editor, world: World
) -> None:
    entry_id = _new_entry(world)
    page = editor.open(entry_id)
    refused: list[str] = []

    def unavailable(route: Route) -> None:
        if route.request.method == "PATCH" and len(refused) < 3:
            refused.append(route.request.post_data or "")
            route.fulfill(status=503, content_type="text/plain", body="Service Unavailable")
        else:
            route.continue_()

    page.route(re.compile(r".*/api/entries/\d+$"), unavailable)
    page.get_by_label("Title", exact=True).fill("Sent through a bad gateway")
    expect(_status(page)).to_contain_text(
        "Could not save: the server did not answer. 1 change kept on this device", timeout=WAIT
    )
    expect(page.locator("#f-title-unsaved")).to_have_text("Not saved yet: kept on this device")
    expect(_status(page)).to_have_text(SAVED, timeout=WAIT)
    assert len(refused) == 3
    assert all('"title":"Sent through a bad gateway"' in body for body in refused)
    expect(page.locator("#f-title-unsaved")).to_have_text("")
    assert _saved(world, entry_id)["title"] == "Sent through a bad gateway"


def test_a_change_made_on_another_device_meanwhile_is_chosen_not_overwritten(
    editor: Editor, world: World
) -> None:
    entry_id = _new_entry(world)
    page = editor.open(entry_id)
    page.get_by_label("Title", exact=True).fill("Before the bus")
    expect(_status(page)).to_have_text(SAVED, timeout=WAIT)

    editor.context.set_offline(True)
    page.get_by_label("Title", exact=True).fill("Phone title")
    page.get_by_label("Summary").fill("Phone summary")
    page.get_by_label("Your idea").fill("Phone idea")
    expect(_status(page)).to_contain_text("Offline: 3 changes", timeout=WAIT)
    # Meanwhile the entrant edits the draft on a laptop.
    r = world.entrant.patch(
        f"/api/entries/{entry_id}", json={"title": "Laptop title", "summary": "Laptop summary"}
    )
    assert r.status_code == 200, r.text

    editor.context.set_offline(False)
    expect(page.locator("#conflicts")).to_be_visible(timeout=WAIT)
    expect(_status(page)).to_have_text(
        "Could not save: some answers were also changed on another device. "
        "Choose which version to keep beside each one."
    )
    expect(page.locator("#conflicts li")).to_have_text(["Title", "Summary"])
    title_choice = page.get_by_role("group", name="Title: two versions")
    expect(title_choice).to_contain_text("Laptop title")
    expect(title_choice).to_contain_text("Phone title")
    expect(page.locator("#f-title-unsaved")).to_have_text(
        "Also changed on another device: choose which version to keep"
    )
    # The idea was changed on this phone only: it is sent, the clashing ones are not.
    deadline = time.monotonic() + WAIT / 1000
    while _saved(world, entry_id)["idea"] != "Phone idea":
        assert time.monotonic() < deadline, "the idea was not sent"
        time.sleep(0.2)
    assert _saved(world, entry_id) == {
        "title": "Laptop title",
        "summary": "Laptop summary",
        "idea": "Phone idea",
    }
    _axe(page)

    page.get_by_role("button", name="Submit entry").click()
    expect(page.locator("#submit-errors")).to_contain_text(
        "The entry was not submitted: some answers were also changed on another device."
    )

    # By keyboard: keep this phone's title, take the laptop's summary.
    keep = page.get_by_role("button", name="Keep mine for Title")
    keep.focus()
    page.keyboard.press("Enter")
    use_saved = page.get_by_role("button", name="Use the saved one for Summary")
    use_saved.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#conflicts")).to_be_hidden()
    expect(page.get_by_label("Summary")).to_have_value("Laptop summary")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Phone title")
    expect(_status(page)).to_have_text(SAVED, timeout=WAIT)
    assert _saved(world, entry_id) == {
        "title": "Phone title",
        "summary": "Laptop summary",
        "idea": "Phone idea",
    }
    assert page.evaluate("Object.keys(localStorage)") == []
