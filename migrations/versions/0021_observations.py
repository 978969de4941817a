"""on-the-job observations as evidence

Revision ID: 0021_observations
Revises: 0020_teams
Create Date: 2026-12-03 15:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021_observations'
down_revision = '0020_teams'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'observation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('observer_id', sa.Integer(), nullable=True),
        sa.Column('skill_id', sa.Integer(), nullable=False),
        sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.Text(), nullable=False, server_default=''),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_observation_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['observer_id'], ['user_account.id'],
                                name=op.f('fk_observation_observer_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_observation_skill_id_skill'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_observation')),
    )
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observation_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.alter_column('attempt_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('observation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_observation_id'), ['observation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evidence_observation_id_observation'), 'observation',
                                    ['observation_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidence_observation_id_observation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evidence_observation_id'))
        batch_op.drop_column('observation_id')
    op.execute("DELETE FROM evidence WHERE attempt_id IS NULL")
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.alter_column('attempt_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observation_user_id'))
    op.drop_table('observation')
