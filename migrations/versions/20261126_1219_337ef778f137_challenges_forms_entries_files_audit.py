"""challenges forms entries files audit

Revision ID: 337ef778f137
Revises: ac5bd3080df1
Create Date: 2026-11-26 12:19:34.951689
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db


revision: str = '337ef778f137'
down_revision: str | None = 'ac5bd3080df1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing challenges (from the first revision) get defaults for the new columns.

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_event_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_audit_event_challenge_id_challenge'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_challenge_id_id', ['challenge_id', 'id'], unique=False)

    op.create_table('committee_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('affiliation', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('voting', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_committee_member_challenge_id_challenge'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_member'))
    )
    with op.batch_alter_table('committee_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_member_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('web', 'email', 'paper', 'whatsapp', 'sms', 'in_person', 'drop_box', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('submitter_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('submitter_contact', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('form_version', sa.Integer(), nullable=False),
    sa.Column('licence_accepted', sa.Boolean(), nullable=False),
    sa.Column('licence', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'withdrawn', name='entry_status', native_enum=False, length=20), nullable=False),
    sa.Column('eligibility', sa.Enum('pending', 'eligible', 'ineligible', name='eligibility', native_enum=False, length=20), nullable=False),
    sa.Column('eligibility_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('eligibility_note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('screened_by_id', sa.Integer(), nullable=True),
    sa.Column('screened_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rule_outcomes', sa.JSON(), nullable=False),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_entry_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_entry_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_entry_owner_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['screened_by_id'], ['user.id'], name=op.f('fk_entry_screened_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry')),
    sa.UniqueConstraint('challenge_id', 'reference', name=op.f('uq_entry_challenge_id_reference'))
    )
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index('ix_entry_challenge_id_status_id', ['challenge_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_owner_id'), ['owner_id'], unique=False)

    op.create_table('form_field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('type', sa.Enum('short_text', 'long_text', 'number', 'choice', 'multi_choice', 'url', 'email', 'date', 'country', 'file', 'checkbox', 'money', name='field_type', native_enum=False, length=20), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('help_text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('show_to_judges', sa.Boolean(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('identifying', sa.Boolean(), nullable=False),
    sa.Column('demographic', sa.Boolean(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('version_added', sa.Integer(), nullable=False),
    sa.Column('version_removed', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_form_field_challenge_id_challenge'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_field')),
    sa.UniqueConstraint('challenge_id', 'key', name=op.f('uq_form_field_challenge_id_key'))
    )
    with op.batch_alter_table('form_field', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_field_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('entry_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_entry_revision_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_entry_revision_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_revision')),
    sa.UniqueConstraint('entry_id', 'number', name=op.f('uq_entry_revision_entry_id_number'))
    )
    with op.batch_alter_table('entry_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_revision_entry_id'), ['entry_id'], unique=False)

    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('challenge_id', sa.Integer(), nullable=True),
    sa.Column('field_key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('original_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_stored_file_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_stored_file_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_stored_file_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_stored_file_storage_key'))
    )
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_file_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_file_entry_id'), ['entry_id'], unique=False)

    op.create_table('team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_team_member_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_member'))
    )
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_member_entry_id'), ['entry_id'], unique=False)

    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prompt', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('description_md', sa.Text(), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('description_html', sa.Text(), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('eligibility_text', sa.Text(), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('categories', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('languages', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('formats_text', sa.Text(), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('prizes_text', sa.Text(), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('recognition_text', sa.Text(), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('licence', sa.Enum('CC-BY-4.0', 'CC-BY-SA-4.0', 'CC-BY-NC-4.0', 'CC0-1.0', 'all-rights-reserved', name='licence', native_enum=False, length=20), nullable=False, server_default=sa.text("'CC-BY-4.0'")))
        batch_op.add_column(sa.Column('consent_text', sa.Text(), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('contact_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True))
        batch_op.add_column(sa.Column('cover_file_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=sa.text("'UTC'")))
        batch_op.add_column(sa.Column('opens_at', app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closes_at', app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('grace_minutes', sa.Integer(), nullable=False, server_default=sa.text("'0'")))
        batch_op.add_column(sa.Column('judging_opens_at', app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('judging_closes_at', app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('voting_opens_at', app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('voting_closes_at', app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_at', app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('archived_at', app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('results_published_at', app.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('phase_override', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('phase_override_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column('max_entries_per_participant', sa.Integer(), nullable=False, server_default=sa.text("'3'")))
        batch_op.add_column(sa.Column('max_team_size', sa.Integer(), nullable=False, server_default=sa.text("'5'")))
        batch_op.add_column(sa.Column('reference_prefix', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default=sa.text("'OC'")))
        batch_op.add_column(sa.Column('entry_counter', sa.Integer(), nullable=False, server_default=sa.text("'0'")))
        batch_op.add_column(sa.Column('form_version', sa.Integer(), nullable=False, server_default=sa.text("'1'")))
        batch_op.add_column(sa.Column('eligibility_rules', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('screening_reasons', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.create_foreign_key(batch_op.f('fk_challenge_cover_file_id_stored_file'), 'stored_file', ['cover_file_id'], ['id'], ondelete='SET NULL', use_alter=True)




def downgrade() -> None:

    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_challenge_cover_file_id_stored_file'), type_='foreignkey')
        batch_op.drop_column('screening_reasons')
        batch_op.drop_column('eligibility_rules')
        batch_op.drop_column('form_version')
        batch_op.drop_column('entry_counter')
        batch_op.drop_column('reference_prefix')
        batch_op.drop_column('max_team_size')
        batch_op.drop_column('max_entries_per_participant')
        batch_op.drop_column('phase_override_reason')
        batch_op.drop_column('phase_override')
        batch_op.drop_column('results_published_at')
        batch_op.drop_column('archived_at')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('published_at')
        batch_op.drop_column('voting_closes_at')
        batch_op.drop_column('voting_opens_at')
        batch_op.drop_column('judging_closes_at')
        batch_op.drop_column('judging_opens_at')
        batch_op.drop_column('grace_minutes')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
        batch_op.drop_column('timezone')
        batch_op.drop_column('cover_file_id')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('consent_text')
        batch_op.drop_column('licence')
        batch_op.drop_column('recognition_text')
        batch_op.drop_column('prizes_text')
        batch_op.drop_column('formats_text')
        batch_op.drop_column('languages')
        batch_op.drop_column('categories')
        batch_op.drop_column('eligibility_text')
        batch_op.drop_column('description_html')
        batch_op.drop_column('description_md')
        batch_op.drop_column('prompt')

    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_member_entry_id'))

    op.drop_table('team_member')
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_file_entry_id'))
        batch_op.drop_index(batch_op.f('ix_stored_file_challenge_id'))

    op.drop_table('stored_file')
    with op.batch_alter_table('entry_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_revision_entry_id'))

    op.drop_table('entry_revision')
    with op.batch_alter_table('form_field', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_field_challenge_id'))

    op.drop_table('form_field')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_owner_id'))
        batch_op.drop_index('ix_entry_challenge_id_status_id')
        batch_op.drop_index(batch_op.f('ix_entry_challenge_id'))

    op.drop_table('entry')
    with op.batch_alter_table('committee_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_member_challenge_id'))

    op.drop_table('committee_member')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_challenge_id_id')

    op.drop_table('audit_event')

