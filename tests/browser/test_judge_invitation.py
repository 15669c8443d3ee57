"""A judge opens the mailed invitation, logs in, accepts, and lands on the call."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url, utcnow

pytestmark = pytest.mark.browser


def test_accept_a_judging_invitation(page: Page, live_server, smtp_server) -> None:
    _, mailbox = smtp_server
    base = live_server.url
    stamp = int(time.time() * 1000)
    organiser, judge = f"org-i{stamp}@example.org", f"judge-i{stamp}@example.org"
    slug = f"invite-{stamp}"
    with httpx.Client(base_url=base, headers={"Origin": base}) as org:
        for email in (organiser, judge):
            r = org.post(
                "/api/auth/register",
                json={"email": email, "display_name": email[:8], "password": "judge password"},
            )
            assert r.status_code == 201
        org.post("/api/auth/login", json={"email": organiser, "password": "judge password"})
        engine = create_engine(normalise_database_url(live_server.database_url))
        with engine.begin() as conn:
            conn.execute(
                text('UPDATE "user" SET email_verified_at = created_at WHERE email = :e'),
                {"e": organiser},
            )
        engine.dispose()
        now = utcnow()
        assert (
            org.post(
                "/api/challenges",
                json={
                    "title": "Invitation call",
                    "slug": slug,
                    "prompt": "How might we?",
                    "opens_at": (now - timedelta(days=1)).isoformat(),
                    "closes_at": (now + timedelta(days=9)).isoformat(),
                },
            ).status_code
            == 201
        )
        assert (
            org.post(
                f"/api/challenges/{slug}/judges", json={"email": judge, "display_name": "Jo"}
            ).status_code
            == 201
        )

    [invitation] = mailbox.wait_for(judge, r"(http://\S+/judge-invitation\.html\?token=\S+)")
    link = invitation.group(1)

    page.goto(link)
    page.locator("#invite-login-link").click()
    page.get_by_label("E-mail").fill(judge)
    page.get_by_label("Password", exact=True).fill("judge password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/judge-invitation\.html\?token=.*"))
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page.get_by_text("you are on the judging panel")).to_be_visible()
    page.get_by_role("link", name="Go to the call").click()
    page.wait_for_url(re.compile(rf".*/challenge\.html\?slug={slug}$"))
