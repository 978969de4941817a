"""evidence from the real CRM: its users linked to people, events, records, imports and monthly indicators

Revision ID: 0032_crm_evidence
Revises: 0031_evidence_item_version
Create Date: 2026-12-04 18:10:52.291342

"""
from alembic import op
import sqlalchemy as sa


revision = '0032_crm_evidence'
down_revision = '0031_evidence_item_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mastery_estimate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transfer', sa.String(length=16), server_default='', nullable=False))
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crm_token_sha256', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_organisation_crm_token_sha256'), ['crm_token_sha256'])
    op.create_table('crm_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=128), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_crm_record_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_record')),
    sa.UniqueConstraint('organisation_id', 'object_type', 'record_id', name=op.f('uq_crm_record_organisation_id_object_type_record_id'))
    )
    with op.batch_alter_table('crm_record', schema=None) as batch_op:
        batch_op.create_index('ix_crm_record_owner', ['organisation_id', 'owner'], unique=False)

    op.create_table('crm_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('format', sa.String(length=32), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('events_new', sa.Integer(), nullable=False),
    sa.Column('events_known', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_crm_import_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_crm_import_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_import'))
    )
    with op.batch_alter_table('crm_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_import_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('crm_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('numerator', sa.Integer(), nullable=False),
    sa.Column('denominator', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_crm_indicator_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_crm_indicator_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_indicator')),
    sa.UniqueConstraint('user_id', 'indicator', 'period', name=op.f('uq_crm_indicator_user_id_indicator_period'))
    )
    with op.batch_alter_table('crm_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_indicator_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('crm_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('crm_user', sa.String(length=128), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('matched_by', sa.String(length=16), nullable=False),
    sa.Column('ignored', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_crm_user_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_crm_user_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_user')),
    sa.UniqueConstraint('organisation_id', 'crm_user', name=op.f('uq_crm_user_organisation_id_crm_user'))
    )
    with op.batch_alter_table('crm_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_user_user_id'), ['user_id'], unique=False)

    op.create_table('crm_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('crm_user', sa.String(length=128), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('old_value', sa.String(length=255), nullable=False),
    sa.Column('new_value', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['crm_import.id'], name=op.f('fk_crm_event_import_id_crm_import'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_crm_event_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_event')),
    sa.UniqueConstraint('organisation_id', 'key', name=op.f('uq_crm_event_organisation_id_key'))
    )
    with op.batch_alter_table('crm_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_event_import_id'), ['import_id'], unique=False)
        batch_op.create_index('ix_crm_event_user_time', ['organisation_id', 'crm_user', 'occurred_at'], unique=False)

    op.create_table('crm_staged_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=128), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['crm_import.id'], name=op.f('fk_crm_staged_record_import_id_crm_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_staged_record'))
    )
    with op.batch_alter_table('crm_staged_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_staged_record_import_id'), ['import_id'], unique=False)

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crm_indicator_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_evidence_crm_indicator_id'), ['crm_indicator_id'])
        batch_op.create_foreign_key(batch_op.f('fk_evidence_crm_indicator_id_crm_indicator'), 'crm_indicator', ['crm_indicator_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('mastery_estimate', schema=None) as batch_op:
        batch_op.drop_column('transfer')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_organisation_crm_token_sha256'), type_='unique')
        batch_op.drop_column('crm_token_sha256')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidence_crm_indicator_id_crm_indicator'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_evidence_crm_indicator_id'), type_='unique')
        batch_op.drop_column('crm_indicator_id')

    with op.batch_alter_table('crm_staged_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_staged_record_import_id'))

    op.drop_table('crm_staged_record')
    with op.batch_alter_table('crm_event', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_event_user_time')
        batch_op.drop_index(batch_op.f('ix_crm_event_import_id'))

    op.drop_table('crm_event')
    with op.batch_alter_table('crm_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_user_user_id'))

    op.drop_table('crm_user')
    with op.batch_alter_table('crm_indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_indicator_organisation_id'))

    op.drop_table('crm_indicator')
    with op.batch_alter_table('crm_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_import_organisation_id'))

    op.drop_table('crm_import')
    with op.batch_alter_table('crm_record', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_record_owner')

    op.drop_table('crm_record')
