"""Scorecards can be reopened; rounds release feedback; applied advancement keeps ranks

Revision ID: b3aacf9ab3b1
Revises: e7567d4abe5b
Create Date: 2026-11-26 14:56:00.968284
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db


revision: str = 'b3aacf9ab3b1'
down_revision: str | None = 'e7567d4abe5b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('judge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', app.core.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_released', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('round_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rank', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('tie_resolved_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))

    with op.batch_alter_table('scorecard', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reopen_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column('reopened_at', app.core.db.UTCDateTime(timezone=True), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('scorecard', schema=None) as batch_op:
        batch_op.drop_column('reopened_at')
        batch_op.drop_column('reopen_reason')

    with op.batch_alter_table('round_entry', schema=None) as batch_op:
        batch_op.drop_column('tie_resolved_by')
        batch_op.drop_column('score')
        batch_op.drop_column('rank')

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('feedback_released')

    with op.batch_alter_table('judge', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')


