"""Fixtures: a migrated database per run (SQLite or PostgreSQL), emptied after every test,
a real SMTP server (aiosmtpd) catching mail, and an app plus client per test.

Choose the database with OPENCALL_TEST_DATABASE=sqlite (default) or postgresql; the
PostgreSQL server is OPENCALL_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/test),
where each run creates, and finally drops, a database of its own so runs never collide.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from app.cli import run_migrations
from app.core.config import Settings
from app.core.db import metadata, normalise_database_url
from app.mail.backends import make_backend
from app.mail.sender import send_due
from app.main import create_app

TEST_DB_KIND = os.environ.get("OPENCALL_TEST_DATABASE", "sqlite")
PG_URL = os.environ.get("OPENCALL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BASE_URL = "http://testserver"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What the real SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def wait_for(
        self, address: str, pattern: str, count: int = 1, seconds: float = 20
    ) -> list[re.Match[str]]:
        """The match of `pattern` (over the subject, a line break, and the plain text) in each
        of the first `count` mails to `address` that have one, waiting up to `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            found = []
            for message in self.to(address):
                body = message.get_body(preferencelist=("plain",)).get_content()
                match = re.search(pattern, f"{message['Subject']}\n{body}")
                if match:
                    found.append(match)
            if len(found) >= count:
                return found[:count]
            assert time.monotonic() < deadline, f"no mail to {address} matching {pattern}"
            time.sleep(0.1)

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self.mailbox.lock:
            self.mailbox.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(_Handler(mailbox), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Controller, Mailbox]) -> Iterator[Mailbox]:
    _, box = smtp_server
    box.clear()
    yield box
    box.clear()


def create_pg_database(prefix: str = "opencall_test") -> str:
    """A fresh, uniquely named PostgreSQL database; returns its URL."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(normalise_database_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return (
        make_url(normalise_database_url(PG_URL))
        .set(database=name)
        .render_as_string(hide_password=False)
    )


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(normalise_database_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database for the whole run."""
    if TEST_DB_KIND == "postgresql":
        url = create_pg_database()
        run_migrations(url)
        yield url
        drop_pg_database(url)
    else:
        path: Path = tmp_path_factory.mktemp("db") / "opencall-test.db"
        url = f"sqlite:///{path}"
        run_migrations(url)
        yield url


def make_settings(database_url: str, smtp_port: int, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "base_url": BASE_URL,
        "secret_key": "test-secret-key-that-is-long-enough-1234567890",
        # Cheap hashing keeps the suite fast; bench/login.py measures the real parameters.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
        "mail_backend": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "mail_sender_in_app": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def empty_database(engine: Engine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def settings(
    database_url: str, smtp_server: tuple[Controller, Mailbox], tmp_path: Path
) -> Settings:
    controller, _ = smtp_server
    return make_settings(database_url, controller.port, upload_dir=str(tmp_path / "uploads"))


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    empty_database(application.state.engine)
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # Browsers send Origin on every write; the client does too, as OpenCall's own pages would.
    with TestClient(app, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
        yield c


@pytest.fixture
def other_client(app: FastAPI) -> Iterator[TestClient]:
    """A second browser (its own cookie jar) against the same app."""
    with TestClient(app, base_url=BASE_URL, headers={"Origin": BASE_URL}) as c:
        yield c


def deliver_mail(app: FastAPI) -> int:
    """Run the outbox sender once, through the real SMTP server."""
    settings: Settings = app.state.settings
    return send_due(app.state.engine, settings, make_backend(settings))


def register(
    client: TestClient,
    email: str = "amina@example.org",
    name: str = "Amina",
    password: str = PASSWORD,
) -> dict:
    response = client.post(
        "/api/auth/register", json={"email": email, "display_name": name, "password": password}
    )
    assert response.status_code == 201, response.text
    return response.json()


def link_token(message: EmailMessage, page: str) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text_body = body.get_content()
    marker = f"{BASE_URL}/{page}?token="
    start = text_body.index(marker) + len(marker)
    return text_body[start:].split()[0]
