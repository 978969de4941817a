"""the fitted skill model kept in the database (every server reads the same one)

Revision ID: 0027_stored_model
Revises: 0026_item_assets
Create Date: 2026-12-03 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0027_stored_model'
down_revision = '0026_item_assets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_model',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('card', sa.JSON(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_model')),
    )


def downgrade():
    op.drop_table('stored_model')
