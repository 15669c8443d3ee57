"""Community voting: rules, ballots, votes and rate-limit hits

Revision ID: 75f34fa1c210
Revises: b3aacf9ab3b1
Create Date: 2026-11-26 15:43:00.314032
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db


revision: str = '75f34fa1c210'
down_revision: str | None = 'b3aacf9ab3b1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('rate_hit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_hit'))
    )
    with op.batch_alter_table('rate_hit', schema=None) as batch_op:
        batch_op.create_index('ix_rate_hit_scope_key_at', ['scope', 'key', 'at'], unique=False)

    op.create_table('ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_ballot_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['user.id'], name=op.f('fk_ballot_voter_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot')),
    sa.UniqueConstraint('challenge_id', 'voter_id', name=op.f('uq_ballot_challenge_id_voter_id'))
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ballot_voter_id'), ['voter_id'], unique=False)

    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('category_slot', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('status', sa.Enum('counted', 'held', 'discarded', name='vote_status', native_enum=False, length=20), nullable=False),
    sa.Column('network', sa.String(length=64), nullable=False),
    sa.Column('new_account', sa.Boolean(), nullable=False),
    sa.Column('hold_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_vote_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_vote_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_vote_reviewed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['voter_id'], ['user.id'], name=op.f('fk_vote_voter_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote')),
    sa.UniqueConstraint('challenge_id', 'voter_id', 'category_slot', name=op.f('uq_vote_challenge_id_voter_id_category_slot')),
    sa.UniqueConstraint('entry_id', 'voter_id', name=op.f('uq_vote_entry_id_voter_id'))
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index('ix_vote_challenge_id_network_created_at', ['challenge_id', 'network', 'created_at'], unique=False)
        batch_op.create_index('ix_vote_challenge_id_status_entry_id', ['challenge_id', 'status', 'entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_voter_id'), ['voter_id'], unique=False)

    op.create_table('voting_rules',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('ballot', sa.Enum('eligible', 'advanced', 'finalists', name='ballot_source', native_enum=False, length=20), nullable=False),
    sa.Column('ballot_round_id', sa.Integer(), nullable=True),
    sa.Column('votes_per_voter', sa.Integer(), nullable=False),
    sa.Column('one_per_category', sa.Boolean(), nullable=False),
    sa.Column('require_verified', sa.Boolean(), nullable=False),
    sa.Column('allow_self_vote', sa.Boolean(), nullable=False),
    sa.Column('new_account_hours', sa.Integer(), nullable=False),
    sa.Column('burst_accounts', sa.Integer(), nullable=False),
    sa.Column('burst_minutes', sa.Integer(), nullable=False),
    sa.Column('per_account_per_minute', sa.Integer(), nullable=False),
    sa.Column('per_address_per_minute', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_round_id'], ['round.id'], name=op.f('fk_voting_rules_ballot_round_id_round'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_voting_rules_challenge_id_challenge'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_id', name=op.f('pk_voting_rules'))
    )



def downgrade() -> None:

    op.drop_table('voting_rules')
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_voter_id'))
        batch_op.drop_index(batch_op.f('ix_vote_entry_id'))
        batch_op.drop_index('ix_vote_challenge_id_status_entry_id')
        batch_op.drop_index('ix_vote_challenge_id_network_created_at')

    op.drop_table('vote')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_voter_id'))
        batch_op.drop_index(batch_op.f('ix_ballot_challenge_id'))

    op.drop_table('ballot')
    with op.batch_alter_table('rate_hit', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_hit_scope_key_at')

    op.drop_table('rate_hit')

