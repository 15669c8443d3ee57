"""Results: the ranking rule, awards and publications

Revision ID: 10668767e77c
Revises: 75f34fa1c210
Create Date: 2026-11-26 15:47:58.725544
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db


revision: str = '10668767e77c'
down_revision: str | None = '75f34fa1c210'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('table_csv', sa.Text(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('methods', sa.Text(), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_publication_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_publication_published_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication')),
    sa.UniqueConstraint('challenge_id', 'version', name=op.f('uq_publication_challenge_id_version'))
    )
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.Enum('winner', 'second', 'third', 'honourable_mention', 'peoples_choice', 'finalist', 'custom', name='award_tier', native_enum=False, length=20), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('override_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_award_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_award_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award')),
    sa.UniqueConstraint('challenge_id', 'entry_id', 'tier', 'category', name=op.f('uq_award_challenge_id_entry_id_tier_category'))
    )
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_entry_id'), ['entry_id'], unique=False)

    op.create_table('results_rules',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('jury_round_id', sa.Integer(), nullable=True),
    sa.Column('w_jury', sa.Float(), nullable=False),
    sa.Column('w_public', sa.Float(), nullable=False),
    sa.Column('per_category', sa.Boolean(), nullable=False),
    sa.Column('peoples_choice', sa.Boolean(), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_results_rules_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['jury_round_id'], ['round.id'], name=op.f('fk_results_rules_jury_round_id_round'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('challenge_id', name=op.f('pk_results_rules'))
    )



def downgrade() -> None:

    op.drop_table('results_rules')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_entry_id'))
        batch_op.drop_index(batch_op.f('ix_award_challenge_id'))

    op.drop_table('award')
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_challenge_id'))

    op.drop_table('publication')

