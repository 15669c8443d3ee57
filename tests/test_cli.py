"""The `opencall` command: migrate, seed-demo (idempotent), create-admin (password prompted)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.challenges.phase import current_phase
from app.cli import cli
from app.core.config import get_settings
from app.core.db import normalise_database_url, utcnow
from app.judging.rounds import round_state
from app.judging.scoring import round_scores
from app.models import (
    Assignment,
    Challenge,
    ChallengeRole,
    Conflict,
    Criterion,
    Eligibility,
    Entry,
    EntryStatus,
    Judge,
    JudgeStatus,
    Membership,
    Round,
    RoundEntry,
    Scorecard,
    ScorecardStatus,
    ScoreValue,
    User,
)
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


SEEDED_TABLES = (
    User,
    Challenge,
    Membership,
    Entry,
    Judge,
    Conflict,
    Round,
    Criterion,
    RoundEntry,
    Assignment,
    Scorecard,
    ScoreValue,
)


def _counts(url: str) -> dict[str, int]:
    return {model.__name__: _count(url, model) for model in SEEDED_TABLES}


def test_migrate_then_seed_demo_twice_adds_nothing_twice(cli_database: str) -> None:
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    first = runner.invoke(cli, ["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    assert "challenge malaria-nets-schools (8 entries, 4 judges, 16 assignments" in first.output
    counts = _counts(cli_database)
    assert {k: counts[k] for k in ("User", "Challenge", "Membership", "Judge", "Round")} == {
        "User": 11,
        "Challenge": 2,
        "Membership": 9,
        "Judge": 4,
        "Round": 1,
    }
    second = runner.invoke(cli, ["seed-demo"])
    assert second.exit_code == 0
    assert "nothing added" in second.output
    assert _counts(cli_database) == counts


def test_seed_demo_puts_a_call_in_judging(cli_database: str) -> None:
    runner.invoke(cli, ["migrate"])
    assert runner.invoke(cli, ["seed-demo"]).exit_code == 0
    engine = create_engine(normalise_database_url(cli_database))
    with Session(engine) as session:
        call = session.exec(select(Challenge).where(Challenge.slug == "malaria-nets-schools")).one()
        assert current_phase(call, utcnow()) == "judging"
        entries = session.exec(
            select(Entry).where(Entry.challenge_id == call.id).order_by(col(Entry.id))
        ).all()
        assert [(e.reference, e.status, e.eligibility) for e in entries] == [
            (f"MAL-{n:04d}", EntryStatus.submitted, Eligibility.eligible) for n in range(1, 9)
        ]
        assert call.entry_counter == 8  # the next entry submitted gets MAL-0009
        judges = session.exec(select(Judge).where(Judge.challenge_id == call.id)).all()
        assert sorted((j.email, j.status) for j in judges) == [
            (f"{name}@demo.example.org", JudgeStatus.active)
            for name in ("judge", "nurse", "researcher", "youth")
        ]
        judge_members = session.exec(
            select(Membership.user_id).where(
                Membership.challenge_id == call.id, Membership.role == ChallengeRole.judge
            )
        ).all()
        assert sorted(judge_members) == sorted(j.user_id for j in judges)
        round_ = session.exec(select(Round).where(Round.challenge_id == call.id)).one()
        assert round_state(round_) == "open"
        assert _count(cli_database, RoundEntry) == 8
        pairs = session.exec(
            select(Assignment.entry_id, Assignment.judge_id).where(Assignment.round_id == round_.id)
        ).all()
        assert len(pairs) == 16
        assert Counter(entry_id for entry_id, _ in pairs) == {e.id: 2 for e in entries}
        # The organiser-recorded conflict was respected by the assignment.
        conflict = session.exec(select(Conflict).where(Conflict.challenge_id == call.id)).one()
        assert (conflict.entry_id, conflict.judge_id) not in set(pairs)
        emails = {j.id: j.email for j in judges}
        cards = session.exec(
            select(Assignment.judge_id, Scorecard.status, Scorecard.submitted_at)
            .join(Scorecard, col(Scorecard.assignment_id) == col(Assignment.id))
            .where(Assignment.round_id == round_.id)
        ).all()
        submitted = [c for c in cards if c[1] == ScorecardStatus.submitted]
        assert len(submitted) >= 10
        assert all(submitted_at is not None for _, _, submitted_at in submitted)
        # Joy Judge still has work to do: of four entries, two scored, one draft, one untouched.
        joy = "judge@demo.example.org"
        assert sum(emails[judge_id] == joy for _, judge_id in pairs) == 4
        assert sorted(status for judge_id, status, _ in cards if emails[judge_id] == joy) == [
            ScorecardStatus.draft,
            ScorecardStatus.submitted,
            ScorecardStatus.submitted,
        ]

        scores = round_scores(session, round_.id)
        assert scores.normalise is True
        assert len(scores.entries) == 8
        assert all(e.score is not None for e in scores.entries)
        assert scores.icc is not None and scores.icc.value is not None
        assert sum(e.disagreement for e in scores.entries) == 1
        harshest = min(scores.judges, key=lambda j: j.mean or 0)
        assert emails[harshest.judge_id] == "researcher@demo.example.org"
        assert harshest.normalised is True
    engine.dispose()


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


def test_export_a_table_and_the_bundle(cli_database: str, tmp_path) -> None:
    import csv
    import hashlib
    import io
    import zipfile

    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    assert runner.invoke(cli, ["seed-demo"]).exit_code == 0
    target = tmp_path / "entries.csv"
    result = runner.invoke(cli, ["export", "malaria-nets-schools", "entries", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {target}" in result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert len(rows) == 8 and all(r["reference"] for r in rows)
    assert not (tmp_path / "entries.csv.partial").exists()

    shared = tmp_path / "shared.csv"
    result = runner.invoke(
        cli, ["export", "malaria-nets-schools", "entries", "--anonymised", "-o", str(shared)]
    )
    assert result.exit_code == 0, result.output
    header = shared.read_text(encoding="utf-8").split("\r\n", 1)[0].split(",")
    assert "participant" in header and "participant_email" not in header

    bundle = tmp_path / "bundle.zip"
    result = runner.invoke(cli, ["export", "malaria-nets-schools", "--bundle", "-o", str(bundle)])
    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(bundle)
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert archive.read("entries.csv") == target.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["malaria-nets-schools", "-o", "x.csv"], "Name one table, or give --bundle"),
        (["malaria-nets-schools", "entries", "--bundle", "-o", "x"], "Name one table"),
        (["malaria-nets-schools", "ballots", "-o", "x.csv"], "No table 'ballots'"),
        (["malaria-nets-schools", "audit", "--anonymised", "-o", "x"], "no anonymised variant"),
        (["no-such-call", "entries", "-o", "x.csv"], "No challenge with the slug"),
    ],
)
def test_export_refuses_what_it_cannot_do(cli_database: str, args: list[str], message: str) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    result = runner.invoke(cli, ["export", *args])
    assert result.exit_code == 2
    assert message in result.output
