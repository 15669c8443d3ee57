"""Models and migrations agree (the same check CI runs with `alembic check`)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI

from app.core.db import metadata


def test_models_match_the_migrated_schema(app: FastAPI) -> None:
    with app.state.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
