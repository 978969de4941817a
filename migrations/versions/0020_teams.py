"""line managers and the minimum group size

Revision ID: 0020_teams
Revises: 0019_session_cancel
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020_teams'
down_revision = '0019_session_cancel'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_group_size', sa.Integer(), nullable=False, server_default='5'))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_manager_id'), ['manager_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_account_manager_id_user_account'), 'user_account', ['manager_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_manager_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_account_manager_id'))
        batch_op.drop_column('manager_id')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('min_group_size')
