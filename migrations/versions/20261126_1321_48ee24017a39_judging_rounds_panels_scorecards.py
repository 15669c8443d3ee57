"""judging rounds panels assignments scorecards

Revision ID: 48ee24017a39
Revises: 337ef778f137
Create Date: 2026-11-26 13:21:14.847944
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db


revision: str = '48ee24017a39'
down_revision: str | None = '337ef778f137'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('judge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('affiliation', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('max_load', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('invited', 'active', 'withdrawn', name='judge_status', native_enum=False, length=20), nullable=False),
    sa.Column('invite_token_hash', sa.String(length=64), nullable=True),
    sa.Column('invited_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_judge_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_judge_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judge')),
    sa.UniqueConstraint('challenge_id', 'email', name=op.f('uq_judge_challenge_id_email')),
    sa.UniqueConstraint('invite_token_hash', name=op.f('uq_judge_invite_token_hash'))
    )
    with op.batch_alter_table('judge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judge_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_judge_user_id'), ['user_id'], unique=False)

    op.create_table('round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('opens_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('judges_per_entry', sa.Integer(), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('normalise', sa.Boolean(), nullable=False),
    sa.Column('advancement', sa.JSON(), nullable=False),
    sa.Column('tie_breaks', sa.JSON(), nullable=False),
    sa.Column('disagreement_share', sa.Float(), nullable=False),
    sa.Column('assignment_seed', sa.Integer(), nullable=False),
    sa.Column('advanced_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_round_challenge_id_challenge'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round')),
    sa.UniqueConstraint('challenge_id', 'position', name=op.f('uq_round_challenge_id_position'))
    )
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_assignment_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_id'], ['judge.id'], name=op.f('fk_assignment_judge_id_judge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_assignment_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment')),
    sa.UniqueConstraint('round_id', 'entry_id', 'judge_id', name=op.f('uq_assignment_round_id_entry_id_judge_id'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_assignment_round_id_judge_id', ['round_id', 'judge_id'], unique=False)

    op.create_table('conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('declared', 'detected', 'organiser', name='conflict_source', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_conflict_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_conflict_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_conflict_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_id'], ['judge.id'], name=op.f('fk_conflict_judge_id_judge'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict')),
    sa.UniqueConstraint('judge_id', 'entry_id', name=op.f('uq_conflict_judge_id_entry_id'))
    )
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_judge_id'), ['judge_id'], unique=False)

    op.create_table('criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('scale_min', sa.Float(), nullable=False),
    sa.Column('scale_max', sa.Float(), nullable=False),
    sa.Column('scale_step', sa.Float(), nullable=False),
    sa.Column('allow_na', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_criterion_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criterion'))
    )
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criterion_round_id'), ['round_id'], unique=False)

    op.create_table('round_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('advanced', sa.Boolean(), nullable=True),
    sa.Column('override_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('decided_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_round_entry_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_round_entry_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_entry')),
    sa.UniqueConstraint('round_id', 'entry_id', name=op.f('uq_round_entry_round_id_entry_id'))
    )
    with op.batch_alter_table('round_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_entry_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_entry_round_id'), ['round_id'], unique=False)

    op.create_table('scorecard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', name='scorecard_status', native_enum=False, length=20), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('feedback', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_scorecard_assignment_id_assignment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard')),
    sa.UniqueConstraint('assignment_id', name=op.f('uq_scorecard_assignment_id'))
    )
    op.create_table('score_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], name=op.f('fk_score_value_criterion_id_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scorecard_id'], ['scorecard.id'], name=op.f('fk_score_value_scorecard_id_scorecard'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_value')),
    sa.UniqueConstraint('scorecard_id', 'criterion_id', name=op.f('uq_score_value_scorecard_id_criterion_id'))
    )
    with op.batch_alter_table('score_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_value_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_value_scorecard_id'), ['scorecard_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('score_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_value_scorecard_id'))
        batch_op.drop_index(batch_op.f('ix_score_value_criterion_id'))

    op.drop_table('score_value')
    op.drop_table('scorecard')
    with op.batch_alter_table('round_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_entry_round_id'))
        batch_op.drop_index(batch_op.f('ix_round_entry_entry_id'))

    op.drop_table('round_entry')
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criterion_round_id'))

    op.drop_table('criterion')
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_judge_id'))
        batch_op.drop_index(batch_op.f('ix_conflict_entry_id'))
        batch_op.drop_index(batch_op.f('ix_conflict_challenge_id'))

    op.drop_table('conflict')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_round_id_judge_id')
        batch_op.drop_index(batch_op.f('ix_assignment_round_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_judge_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_entry_id'))

    op.drop_table('assignment')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_challenge_id'))

    op.drop_table('round')
    with op.batch_alter_table('judge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judge_user_id'))
        batch_op.drop_index(batch_op.f('ix_judge_challenge_id'))

    op.drop_table('judge')

