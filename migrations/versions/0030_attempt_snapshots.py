"""an attempt keeps the test or exercise as it was when it started

Revision ID: 0030_attempt_snapshots
Revises: 0029_skill_owner
Create Date: 2026-12-04 15:25:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0030_attempt_snapshots'
down_revision = '0029_skill_owner'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiz_definition', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('scenario_raw', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_column('scenario_raw')
        batch_op.drop_column('quiz_definition')
