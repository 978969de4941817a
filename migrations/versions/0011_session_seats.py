"""assignments know their session

An instructor-led assignment made from an accepted unit plan points to the scheduled session it is
a seat in, so the trainee sees the session's date and place (and any change to them), and
accepting the same plan again can recognise what already exists.

Revision ID: 0011_session_seats
Revises: 0010_live_loop
Create Date: 2026-12-02 19:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_session_seats'
down_revision = '0010_live_loop'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assignment_session_id'), ['session_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assignment_session_id_training_session'), 'training_session',
                                    ['session_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignment_session_id_training_session'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assignment_session_id'))
        batch_op.drop_column('session_id')
