"""mastery history and assignment origin

A verdict-change log per person × skill (proficiency over time, time to proficiency), and where each
assignment came from: a person, an accepted plan, or the automatic refresher rule (no creator).
The stored `fades_in_days` goes: it went stale from the moment it was written and nothing read it;
fades are computed when needed (`skill_model.assess`).

Revision ID: 0009_history
Revises: 0008_invitations
Create Date: 2026-11-25 03:50:50.609885

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_history'
down_revision = '0008_invitations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mastery_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('verdict', sa.String(length=24), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_mastery_history_skill_id_skill'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_mastery_history_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mastery_history'))
    )
    with op.batch_alter_table('mastery_history', schema=None) as batch_op:
        batch_op.create_index('ix_mastery_history_user_skill', ['user_id', 'skill_id', 'recorded_at'], unique=False)

    with op.batch_alter_table('mastery_estimate', schema=None) as batch_op:
        batch_op.drop_column('fades_in_days')

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=16), server_default='manual', nullable=False))
        batch_op.alter_column('created_by',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_check_constraint(op.f('ck_assignment_origin_valid'),
                                         "origin IN ('manual', 'plan', 'refresher')")



def downgrade():
    op.execute("DELETE FROM assignment WHERE created_by IS NULL")  # refreshers had no creator
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assignment_origin_valid'), type_='check')
        batch_op.alter_column('created_by',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('origin')

    with op.batch_alter_table('mastery_history', schema=None) as batch_op:
        batch_op.drop_index('ix_mastery_history_user_skill')

    op.drop_table('mastery_history')
    with op.batch_alter_table('mastery_estimate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fades_in_days', sa.Float(), nullable=True))
