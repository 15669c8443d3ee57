"""Two OpenCall processes on one database, with Redis for the shared limits, each sending the
outbox's mail: what one process does, the other honours. A session made on one ends on the
other; the login throttle and the vote rate limit count attempts made on both; the vote
limit and a call's deadline hold whichever process asks; a file taken by one is served by
the other; and every mail is sent exactly once although both senders run."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text

from app.core.db import normalise_database_url, utcnow
from tests.browser.conftest import LiveServer, new_database, serve
from tests.browser.test_dashboard_page import _people
from tests.browser.test_results_journey import PASSWORD
from tests.conftest import TEST_DB_KIND, Mailbox
from tests.factories import COMPLETE, make_challenge

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def two_servers(tmp_path: Path, smtp_server: Any) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Processes A and B: one database, one upload directory, one Redis database (its own
    for each kind of test database, emptied first, since the suite runs both side by side)."""
    controller, _ = smtp_server
    redis_url = f"redis://127.0.0.1:6379/{14 if TEST_DB_KIND == 'sqlite' else 15}"
    redis.Redis.from_url(redis_url).flushdb()
    shared = {
        "OPENCALL_REDIS_URL": redis_url,
        "OPENCALL_UPLOAD_DIR": str(tmp_path / "uploads"),
        "OPENCALL_LOGIN_MAX_FAILURES_PER_ACCOUNT": "3",
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        new_database(tmp_path, "scale_out") as database_url,
        serve(tmp_path / "a", database_url, controller.port, shared) as a,
        serve(tmp_path / "b", database_url, controller.port, shared) as b,
    ):
        yield a, b


def _on(server: LiveServer, cookies: httpx.Cookies | None = None) -> httpx.Client:
    """A client of one process (its own Origin, for cookie-authenticated writes)."""
    return httpx.Client(
        base_url=server.url, headers={"Origin": server.url}, cookies=cookies, timeout=30
    )


def _log_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/api/auth/login", json={"email": email, "password": password})


def test_two_processes_share_sessions_limits_deadlines_files_and_mail(
    two_servers: tuple[LiveServer, LiveServer], smtp_server: tuple[Any, Mailbox]
) -> None:
    a, b = two_servers
    _, mailbox = smtp_server
    stamp = secrets.token_hex(3)
    # Accounts registered on both processes (each sends a verification mail).
    email = _people(a, {"org": "Olu", "amy": "Amy", "bo": "Bo"}, stamp)
    email |= _people(b, {"cy": "Cy", "throttled": "Tess"}, stamp)

    # A session made on A is good on B; logging out on B ends it on A.
    with _on(a) as on_a:
        assert _log_in(on_a, email["amy"]).status_code == 200
        with _on(b, on_a.cookies) as on_b:
            assert on_b.get("/api/auth/me").json()["email"] == email["amy"]
            assert on_b.post("/api/auth/logout").status_code in (200, 204)
        assert on_a.get("/api/auth/me").status_code == 401

    # Failed logins count on both: two on A and one on B lock the account on either.
    with _on(a) as on_a, _on(b) as on_b:
        for client in (on_a, on_a, on_b):
            assert _log_in(client, email["throttled"], "wrong password!").status_code == 401
        locked = _log_in(on_b, email["throttled"])
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
        assert _log_in(on_a, email["throttled"]).status_code == 429

    slug = f"scale-{stamp}"
    with _on(a) as org:
        assert _log_in(org, email["org"]).status_code == 200
        make_challenge(org, slug, max_entries_per_participant=10)  # type: ignore[arg-type]
        # Entries by Amy, through both processes, one with a file taken by A.
        with _on(a) as amy_a:
            assert _log_in(amy_a, email["amy"]).status_code == 200
            with _on(b, amy_a.cookies) as amy_b:
                ids = []
                for client in (amy_a, amy_b, amy_a, amy_b):
                    r = client.post(f"/api/challenges/{slug}/entries", json={"title": ""})
                    assert r.status_code == 201, r.text
                    ids.append(r.json()["id"])
                    r = client.patch(f"/api/entries/{ids[-1]}", json=COMPLETE)
                    assert r.status_code == 200, r.text
                upload = amy_a.post(
                    f"/api/entries/{ids[0]}/attachments",
                    params={"field": "poster", "filename": "poster.pdf"},
                    content=PDF,
                )
                assert upload.status_code == 201, upload.text
                served = amy_b.get(f"/api/attachments/{upload.json()['id']}")
                assert (served.status_code, served.content) == (200, PDF)
                for entry_id, client in zip(ids, (amy_a, amy_b, amy_a, amy_b), strict=True):
                    r = client.post(f"/api/entries/{entry_id}/submit")
                    assert r.status_code == 200, r.text
        r = org.post(
            f"/api/challenges/{slug}/screening", json={"entry_ids": ids, "eligibility": "eligible"}
        )
        assert r.status_code == 200, r.text
        now = utcnow()
        window = {
            "voting_opens_at": (now - timedelta(hours=1)).isoformat(),
            "voting_closes_at": (now + timedelta(days=3)).isoformat(),
        }
        assert org.patch(f"/api/challenges/{slug}", json=window).status_code == 200
        rules = {"enabled": True, "votes_per_voter": 3, "per_account_per_minute": 2}
        rules |= {"new_account_hours": 0}
        assert org.patch(f"/api/challenges/{slug}/voting", json=rules).status_code == 200

        # Bo's votes: the per-minute limit (Redis) counts both processes' votes...
        with _on(a) as bo_a:
            assert _log_in(bo_a, email["bo"]).status_code == 200
            with _on(b, bo_a.cookies) as bo_b:
                answers = [
                    client.post(
                        f"/api/challenges/{slug}/votes", json={"entry_id": entry}
                    ).status_code
                    for client, entry in ((bo_a, ids[0]), (bo_b, ids[1]), (bo_a, ids[2]))
                ]
                assert answers == [201, 201, 429]
        # ... and the vote limit (the database) holds across them: Cy has three votes.
        assert org.patch(f"/api/challenges/{slug}/voting", json={"per_account_per_minute": 100})
        with _on(b) as cy_b:
            assert _log_in(cy_b, email["cy"]).status_code == 200
            with _on(a, cy_b.cookies) as cy_a:
                answers = [
                    client.post(f"/api/challenges/{slug}/votes", json={"entry_id": entry})
                    for client, entry in zip((cy_a, cy_b, cy_a, cy_b), ids, strict=True)
                ]
        assert [r.status_code for r in answers] == [201, 201, 201, 409]
        assert answers[-1].json()["error"]["code"] == "no_votes_left"
        counts = org.get(f"/api/challenges/{slug}/votes/counts/entries").json()
        assert sum(entry["counted"] for entry in counts["items"]) == 5

        # The deadline, moved on A, holds on B at once.
        with _on(b) as amy_b:
            assert _log_in(amy_b, email["amy"]).status_code == 200
            closed = {"closes_at": (utcnow() - timedelta(minutes=1)).isoformat()}
            assert org.patch(f"/api/challenges/{slug}", json=closed).status_code == 200
            late = amy_b.post(f"/api/challenges/{slug}/entries", json={"title": "Late"})
            assert late.status_code == 409, late.text

    # Every message the two processes put in the outbox (verification mail, receipts, …) was
    # sent, and received exactly once, though both processes' senders ran.
    engine = create_engine(normalise_database_url(a.database_url))
    deadline = time.monotonic() + 30
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT message_id, to_address, status FROM outbox_message "
                    "WHERE to_address LIKE :stamp"
                ),
                {"stamp": f"%{stamp}%"},
            ).all()
        ours = [m for m in list(mailbox.messages) if stamp in str(m["To"])]
        if all(row.status == "sent" for row in rows) and len(ours) >= len(rows):
            break
        assert time.monotonic() < deadline, f"not all sent: {rows}"
        time.sleep(0.2)
    engine.dispose()
    time.sleep(1)  # a second sender's duplicate would have arrived by now
    ours = [m for m in list(mailbox.messages) if stamp in str(m["To"])]
    assert sorted(str(m["Message-ID"]).strip("<>") for m in ours) == sorted(
        row.message_id.strip("<>") for row in rows
    )
    assert {str(m["To"]) for m in ours} == set(email.values())  # each account's verification
