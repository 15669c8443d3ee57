"""The `opencall` command: migrate, seed-demo (idempotent), create-admin (password prompted)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import get_settings
from app.core.db import normalise_database_url
from app.models import Challenge, Membership, User
from tests.conftest import TEST_DB_KIND, create_pg_database, drop_pg_database

runner = CliRunner()


@pytest.fixture
def cli_database(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database of the suite's kind, handed to the CLI through the environment."""
    url = (
        create_pg_database("opencall_cli")
        if TEST_DB_KIND == "postgresql"
        else f"sqlite:///{tmp_path / 'cli.db'}"
    )
    monkeypatch.setenv("OPENCALL_DATABASE_URL", url)
    monkeypatch.setenv("OPENCALL_ENVIRONMENT", "development")
    monkeypatch.setenv("OPENCALL_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("OPENCALL_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("OPENCALL_ARGON2_PARALLELISM", "1")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    if TEST_DB_KIND == "postgresql":
        drop_pg_database(url)


def _count(url: str, model) -> int:
    engine = create_engine(normalise_database_url(url))
    with Session(engine) as session:
        n = session.exec(select(func.count()).select_from(model)).one()
    engine.dispose()
    return n


def test_migrate_then_seed_demo_twice_adds_nothing_twice(cli_database: str) -> None:
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    first = runner.invoke(cli, ["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    counts = (
        _count(cli_database, User),
        _count(cli_database, Challenge),
        _count(cli_database, Membership),
    )
    assert counts == (5, 1, 3)
    second = runner.invoke(cli, ["seed-demo"])
    assert second.exit_code == 0
    assert "nothing added" in second.output
    assert (
        _count(cli_database, User),
        _count(cli_database, Challenge),
        _count(cli_database, Membership),
    ) == counts


def test_seed_demo_refuses_production(cli_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(cli, ["migrate"])
    monkeypatch.setenv("OPENCALL_ENVIRONMENT", "production")
    monkeypatch.setenv("OPENCALL_SECRET_KEY", "s" * 40)
    get_settings.cache_clear()
    result = runner.invoke(cli, ["seed-demo"])
    assert result.exit_code == 2
    assert _count(cli_database, User) == 0


def test_create_admin_prompts_for_the_password(cli_database: str) -> None:
    runner.invoke(cli, ["migrate"])
    # The password is typed at the prompt (twice), never given as an argument.
    result = runner.invoke(
        cli,
        ["create-admin", "--email", "Root@Example.org"],
        input="a strong passphrase\na strong passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "a strong passphrase" not in result.output
    engine = create_engine(normalise_database_url(cli_database))
    with Session(engine) as session:
        admin = session.exec(select(User)).one()
        assert (admin.email, admin.is_admin, admin.email_verified_at is not None) == (
            "root@example.org",
            True,
            True,
        )
    engine.dispose()
    short = runner.invoke(
        cli, ["create-admin", "--email", "two@example.org"], input="short\nshort\n"
    )
    assert short.exit_code == 2
    assert _count(cli_database, User) == 1


def test_create_admin_promotes_an_existing_account(cli_database: str) -> None:
    runner.invoke(cli, ["migrate"])
    runner.invoke(cli, ["seed-demo"])
    result = runner.invoke(cli, ["create-admin", "--email", "judge@demo.example.org"])
    assert result.exit_code == 0
    engine = create_engine(normalise_database_url(cli_database))
    with Session(engine) as session:
        judge = session.exec(select(User).where(User.email == "judge@demo.example.org")).one()
        assert judge.is_admin is True
    engine.dispose()


def test_create_admin_has_no_password_option() -> None:
    result = runner.invoke(cli, ["create-admin", "--email", "x@example.org", "--password", "nope"])
    assert result.exit_code != 0
    assert "No such option" in result.output


def test_worker_once_sends_due_mail(
    cli_database: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    runner.invoke(cli, ["migrate"])
    from app.core.db import make_engine
    from app.mail.outbox import queue_mail

    settings = get_settings()
    engine = make_engine(settings)
    with Session(engine) as session:
        queue_mail(
            session,
            settings,
            template="password_changed",
            to_address="w@example.org",
            context={"display_name": "W"},
        )
        session.commit()
    result = runner.invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0
    from app.models import OutboxMessage

    with Session(engine) as session:
        assert session.exec(select(OutboxMessage.status)).all() == ["sent"]
    engine.dispose()
