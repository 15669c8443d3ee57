"""The `opencall` command: serve, migrate, create-admin, seed-demo, worker."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from app.core.config import get_settings

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


def main() -> None:
    cli()
