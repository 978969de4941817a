"""pictures that imported questions show

Revision ID: 0026_item_assets
Revises: 0025_scenario_text
Create Date: 2026-12-03 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0026_item_assets'
down_revision = '0025_scenario_text'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'item_asset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_item_asset')),
        sa.UniqueConstraint('sha256', name=op.f('uq_item_asset_sha256')),
    )


def downgrade():
    op.drop_table('item_asset')
