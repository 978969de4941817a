"""OpenID Connect sign-in per organisation

Revision ID: 0018_sso
Revises: 0017_password_reset
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa



revision = '0018_sso'
down_revision = '0017_password_reset'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sso_config',
        sa.Column('organisation_id', sa.Integer(), sa.ForeignKey('organisation.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('discovery_url', sa.String(length=500), nullable=False),
        sa.Column('client_id', sa.String(length=255), nullable=False),
        sa.Column('client_secret_sealed', sa.Text(), nullable=False),
        sa.Column('allowed_domains', sa.Text(), nullable=False),
        sa.Column('provision', sa.Boolean(), nullable=False),
        sa.Column('default_unit_id', sa.Integer(), sa.ForeignKey('business_unit.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('default_job_role_id', sa.Integer(), sa.ForeignKey('job_role.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('unit_claim', sa.String(length=64), nullable=False),
        sa.Column('job_role_claim', sa.String(length=64), nullable=False),
        sa.Column('sso_only', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table('sso_config')
