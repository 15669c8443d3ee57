"""The `opencall` command: serve, migrate, create-admin, seed-demo, worker, export, backup,
restore."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from app.core.config import get_settings

if TYPE_CHECKING:
    from rich.progress import Progress

cli = typer.Typer(
    help="OpenCall: crowdsourcing challenge contests for health.", no_args_is_help=True
)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def run_migrations(database_url: str) -> None:
    """Bring the database to the newest schema (``alembic upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    config = Config(toml_file=str(MIGRATIONS_DIR.parent / "pyproject.toml"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    command.upgrade(config, "head")


@cli.command()
def migrate() -> None:
    """Apply every database migration not yet applied."""
    settings = get_settings()
    run_migrations(settings.database_url)
    typer.echo("The database schema is up to date.")


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        1, min=1, help="Worker processes (use PostgreSQL for more than one)."
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1", help="Proxies whose X-Forwarded-For/Proto headers are trusted."
    ),
) -> None:
    """Serve OpenCall with uvicorn."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and settings.is_sqlite:
        typer.echo(
            "Note: several workers on SQLite serialise their writes; use PostgreSQL at scale."
        )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
    )


@cli.command("create-admin")
def create_admin(
    email: str = typer.Option(..., prompt=True, help="The administrator's e-mail address."),
    display_name: str = typer.Option("Administrator", help="The name shown in OpenCall."),
) -> None:
    """Create a platform administrator (or promote an existing account). Asks for the password."""
    from sqlmodel import Session, select

    from app.auth.schemas import RegisterIn
    from app.core.db import make_engine, utcnow
    from app.core.security import PasswordHasher
    from app.models import User

    settings = get_settings()
    engine = make_engine(settings)
    with Session(engine) as session:
        existing = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if existing is not None:
            existing.is_admin = True
            session.add(existing)
            session.commit()
            typer.echo(f"{existing.email} is now a platform administrator.")
            return
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            data = RegisterIn(email=email, display_name=display_name, password=password)
        except ValueError as exc:
            typer.echo(f"Not created: {exc}", err=True)
            raise typer.Exit(code=2) from None
        now = utcnow()
        user = User(
            email=data.email,
            display_name=data.display_name,
            password_hash=PasswordHasher(settings).hash(data.password),
            is_admin=True,
            email_verified_at=now,
        )
        session.add(user)
        session.commit()
        typer.echo(f"Created platform administrator {user.email}.")


@cli.command("seed-demo")
def seed_demo() -> None:
    """Load the demo accounts and challenge (idempotent: a second run adds nothing)."""
    from app.demo import DEMO_PASSWORD, seed

    settings = get_settings()
    if settings.environment == "production":
        typer.echo("Refusing to load demo data with OPENCALL_ENVIRONMENT=production.", err=True)
        raise typer.Exit(code=2)
    created = seed(settings)
    if created:
        typer.echo(f"Demo data loaded: {', '.join(created)} (password: {DEMO_PASSWORD}).")
    else:
        typer.echo("Demo data already present; nothing added.")


@cli.command()
def worker(once: bool = typer.Option(False, help="Send what is due, then exit.")) -> None:
    """Send queued mail from the outbox (run any number beside the web workers)."""
    from app.core.db import make_engine
    from app.mail.sender import run_worker

    _logging()
    settings = get_settings()
    run_worker(make_engine(settings), settings, once=once)


@cli.command()
def export(
    challenge: str = typer.Argument(..., help="The call's slug, e.g. hiv-testing."),
    table: str | None = typer.Argument(
        None,
        help="One table: entries, votes, participants, scorecards, scores, judges, "
        "conflicts, results, awards, audit or codebook.",
    ),
    output: Path = typer.Option(..., "--output", "-o", help="The file to write."),
    bundle: bool = typer.Option(
        False, "--bundle", help="Every table, the codebook, the methods text and SHA256SUMS."
    ),
    anonymised: bool = typer.Option(
        False,
        help="The variant to share with researchers: no names, e-mail addresses or contacts, "
        "entrants as pseudonyms (every table but the audit log; with --bundle, all of them).",
    ),
    bom: bool = typer.Option(False, help="Start a CSV with a byte-order mark, for Excel."),
) -> None:
    """Export a call's table as CSV, or all of them as bundle.zip, with a progress bar."""
    from rich.progress import DownloadColumn, Progress, SpinnerColumn, TimeElapsedColumn
    from sqlmodel import Session, select

    from app.core.db import make_engine
    from app.exports import catalogue
    from app.exports.entries import form_fields
    from app.models import Challenge
    from app.results.service import methods_text

    if bundle == (table is not None):
        typer.echo("Name one table, or give --bundle for all of them.", err=True)
        raise typer.Exit(code=2)
    if table is not None and table not in catalogue.table_names():
        names = ", ".join(catalogue.table_names())
        typer.echo(f"No table {table!r}: choose one of {names}.", err=True)
        raise typer.Exit(code=2)
    if anonymised and table is not None and table not in catalogue.anonymised_names():
        typer.echo(f"The {table} table has no anonymised variant.", err=True)
        raise typer.Exit(code=2)
    settings = get_settings()
    engine = make_engine(settings)
    with Session(engine) as session:
        found = session.exec(select(Challenge).where(Challenge.slug == challenge)).first()
        if found is None or found.id is None:
            typer.echo(f"No challenge with the slug {challenge!r}.", err=True)
            raise typer.Exit(code=2)
        challenge_id = found.id
        fields = form_fields(session, challenge_id)
        methods = methods_text(session, found) if bundle else ""
    if bundle:
        chunks = catalogue.bundle(
            engine,
            challenge_id,
            fields,
            secret_key=settings.secret_key,
            methods=methods,
            anonymised=anonymised,
        )
    else:
        assert table is not None
        chunks = catalogue.table_chunks(
            engine,
            challenge_id,
            fields,
            table,
            secret_key=settings.secret_key,
            anonymised=anonymised and table not in ("votes", "codebook"),
            bom=bom,
        )
    # Written beside the target and renamed at the end: never a half-written export.
    partial = output.with_name(output.name + ".partial")
    columns = (SpinnerColumn(), *Progress.get_default_columns()[:1], DownloadColumn())
    with Progress(*columns, TimeElapsedColumn(), transient=True) as progress:
        task = progress.add_task(f"{challenge}: {table or 'bundle'}", total=None)
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
                progress.advance(task, len(chunk))
    partial.replace(output)
    typer.echo(f"Wrote {output} ({output.stat().st_size:,} bytes).")


def _progress() -> Progress:
    """A rich progress display on a terminal; silent when output goes to a file or a pipe."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (SpinnerColumn(), *Progress.get_default_columns()[:3], TimeElapsedColumn())
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)


def _counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {name}" for name, n in counts.items())


@cli.command()
def backup(
    destination: Path = typer.Argument(
        ..., help="The backup directory to create, e.g. /var/backups/opencall-2026-11-27."
    ),
) -> None:
    """Back up the database and the uploads into a new directory, while the server runs.

    SQLite is copied with its online backup API, PostgreSQL with pg_dump --format=custom;
    then the uploads (every file of the upload directory, or those the database names in a
    bucket). manifest.json records the schema revision, the counts of
    entries, scorecards, votes and files, and the sha256 of every file.
    """
    from app.backup.manifest import BackupError
    from app.backup.service import create_backup

    settings = get_settings()
    try:
        with _progress() as progress:
            manifest = create_backup(settings, destination, progress)
    except BackupError as exc:
        typer.echo(f"Backup failed: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(
        f"Backed up the {manifest.database_kind} database (revision "
        f"{manifest.alembic_revision}: {_counts_line(manifest.counts)}) and "
        f"{len(manifest.files):,} uploaded files to {destination}."
    )
    if manifest.missing_files:
        typer.echo(
            f"Warning: {len(manifest.missing_files)} files the database names are not in "
            f"storage (listed as missing_files in the manifest), "
            f"e.g. {', '.join(manifest.missing_files[:3])}.",
            err=True,
        )
        raise typer.Exit(code=1)


@cli.command()
def restore(
    backup: Path = typer.Argument(..., help="A directory made by `opencall backup`."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Replace a database that holds data, and add the files to a non-empty upload "
        "directory.",
    ),
) -> None:
    """Restore a backup into the configured database and storage (both empty).

    Stop the server first. Every file is checked against the manifest's sha256 before
    anything is written; PostgreSQL is restored with pg_restore --no-owner.
    """
    from alembic.script import ScriptDirectory

    from app.backup.manifest import BackupError
    from app.backup.service import restore_backup

    settings = get_settings()
    try:
        with _progress() as progress:
            manifest = restore_backup(settings, backup, force=force, progress=progress)
    except BackupError as exc:
        typer.echo(f"Restore failed: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(
        f"Restored the backup of {manifest.created_at}: {_counts_line(manifest.counts)}, "
        f"{len(manifest.files):,} uploaded files (all sha256 verified)."
    )
    if manifest.missing_files:
        typer.echo(
            f"Note: the backup lacked {len(manifest.missing_files)} files its database names "
            "(see missing_files in its manifest).",
            err=True,
        )
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    if manifest.alembic_revision != scripts.get_current_head():
        known = {script.revision for script in scripts.walk_revisions()}
        if manifest.alembic_revision in known:
            typer.echo("The backup's schema is older than this OpenCall: run `opencall migrate`.")
        else:
            typer.echo(
                f"The backup's schema revision {manifest.alembic_revision} is unknown to this "
                "OpenCall: run the version that made it (or a newer one).",
                err=True,
            )


def main() -> None:
    cli()
