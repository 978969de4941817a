"""adoption-dashboard figures per business unit, stored by the worker for company-sized views

Revision ID: 0033_unit_figures
Revises: 0032_crm_evidence
Create Date: 2026-12-04 22:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0033_unit_figures'
down_revision = '0032_crm_evidence'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_figures',
    sa.Column('business_unit_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['business_unit_id'], ['business_unit.id'], name=op.f('fk_unit_figures_business_unit_id_business_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('business_unit_id', name=op.f('pk_unit_figures'))
    )


def downgrade():
    op.drop_table('unit_figures')
