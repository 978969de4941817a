"""workshop replies and waiting lists

A seat in a workshop session records the trainee's reply (invited, accepted, declined with a note
asking for another date) or that they wait for a seat; existing seats count as invited.

Revision ID: 0016_workshop_replies
Revises: 0015_reminders
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_workshop_replies'
down_revision = '0015_reminders'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rsvp', sa.String(length=16), nullable=False, server_default='invited'))
        batch_op.add_column(sa.Column('rsvp_note', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('rsvp_note')
        batch_op.drop_column('rsvp')
