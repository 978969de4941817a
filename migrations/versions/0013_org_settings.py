"""an organisation's settings

Each organisation keeps its time zone (an IANA name; due dates are dates there), the sender
address of its messages and the number of days a new assignment is due in. Existing
organisations get UTC, no sender address and 30 days (what plan acceptance used until now).

Revision ID: 0013_org_settings
Revises: 0012_audit_scope
Create Date: 2026-12-03 12:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_org_settings'
down_revision = '0012_audit_scope'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False, server_default='UTC'))
        batch_op.add_column(sa.Column('sender_address', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('default_due_days', sa.Integer(), nullable=False, server_default='30'))


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('default_due_days')
        batch_op.drop_column('sender_address')
        batch_op.drop_column('time_zone')
