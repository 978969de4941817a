"""exercises tailored in the browser

Revision ID: 0025_scenario_text
Revises: 0024_lesson_text
Create Date: 2026-12-03 19:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025_scenario_text'
down_revision = '0024_lesson_text'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scenario_text',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.String(length=64), nullable=False),
        sa.Column('raw', sa.JSON(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                                name=op.f('fk_scenario_text_author_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_text')),
        sa.UniqueConstraint('scenario_id', name=op.f('uq_scenario_text_scenario_id')),
    )


def downgrade():
    op.drop_table('scenario_text')
