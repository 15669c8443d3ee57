"""Alembic environment: SQLModel.metadata is the target, the URL comes from the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import app.models  # noqa: F401  (registers every table on the metadata)
from app.core.config import get_settings
from app.core.db import metadata, normalise_database_url

config = context.config


def database_url() -> str:
    # `opencall migrate` passes its URL as an attribute; the alembic command uses the settings.
    url = config.attributes.get("database_url") or get_settings().database_url
    return normalise_database_url(url)


def run_migrations_offline() -> None:
    url = database_url()
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        compare_type=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = database_url()
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        if is_sqlite:
            # Batch mode rebuilds tables; with foreign keys on, dropping one would cascade.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            render_as_batch=is_sqlite,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
