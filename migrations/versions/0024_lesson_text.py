"""lessons edited in the browser

Revision ID: 0024_lesson_text
Revises: 0023_item_versions
Create Date: 2026-12-03 19:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0024_lesson_text'
down_revision = '0023_item_versions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lesson_text',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lesson', sa.String(length=120), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_lesson_text_author_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_text')),
        sa.UniqueConstraint('lesson', name=op.f('uq_lesson_text_lesson')),
    )


def downgrade():
    op.drop_table('lesson_text')
