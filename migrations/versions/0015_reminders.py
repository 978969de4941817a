"""reminders, escalation and workshop invitations

Each organisation sets how many days before a due date people are reminded and after how many
days late their trainers hear; each person can turn reminders off from the link in one. A message
may carry an iCalendar invitation, and a workshop session counts its changes (the SEQUENCE that
makes calendars replace an earlier invitation).

Revision ID: 0015_reminders
Revises: 0014_messages
Create Date: 2026-12-03 13:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015_reminders'
down_revision = '0014_messages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remind_days_before', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('escalate_after_days', sa.Integer(), nullable=False, server_default='7'))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_opt_out', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.Text(), nullable=True))
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_column('sequence')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('calendar')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('reminders_opt_out')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('escalate_after_days')
        batch_op.drop_column('remind_days_before')
