"""round assignment options

Revision ID: e7567d4abe5b
Revises: 48ee24017a39
Create Date: 2026-11-26 13:55:41.008352
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db


revision: str = 'e7567d4abe5b'
down_revision: str | None = '48ee24017a39'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_tags', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('match_language', sa.Boolean(), nullable=False, server_default=sa.false()))




def downgrade() -> None:

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('match_language')
        batch_op.drop_column('required_tags')


