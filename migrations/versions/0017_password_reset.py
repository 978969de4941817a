"""password-reset links

One-time links are either activation links or password-reset links; a link of one kind never
works as the other. Existing links are activation links.

Revision ID: 0017_password_reset
Revises: 0016_workshop_replies
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017_password_reset'
down_revision = '0016_workshop_replies'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=16), nullable=False, server_default='activation'))


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('purpose')
