"""answer tokens and whole evidence counts

Every attempt gets a random salt; the browser sees answer options, steps and matches only as
tokens derived from it (quizzes.disguise), never as the bank's own ids. Existing attempts get a
fresh random salt each, so attempts in progress keep working (their pages are rebuilt from it).

Mastery estimates also keep how many whole answers and exercises stand behind them (the weighted
evidence stays for the verdict rule); existing rows start at 0 and fill at the next refresh.
Each verdict change records the verdict it replaced and the attempt that caused it, so a result
page can say "Data quality: weak → proficient".

Background jobs (sweeps, the daily refresh, calibration) take leases in `job_lease`, so that
each runs once per interval however many workers and machines share the database.

Revision ID: 0010_live_loop
Revises: 0009_history
Create Date: 2026-12-02 18:40:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0010_live_loop'
down_revision = '0009_history'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_lease',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=16), nullable=True),
    sa.Column('last_message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_lease'))
    )
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_salt', sa.String(length=32), nullable=True))
    attempt = sa.table('attempt', sa.column('id', sa.Integer), sa.column('answer_salt', sa.String))
    bind = op.get_bind()
    for (attempt_id,) in bind.execute(sa.select(attempt.c.id)).all():
        bind.execute(attempt.update().where(attempt.c.id == attempt_id).values(answer_salt=secrets.token_hex(16)))
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.alter_column('answer_salt', existing_type=sa.String(length=32), nullable=False)
    with op.batch_alter_table('mastery_estimate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answers', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('exercises', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('mastery_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_verdict', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('attempt_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mastery_history_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_mastery_history_attempt_id_attempt'), 'attempt', ['attempt_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    op.drop_table('job_lease')
    with op.batch_alter_table('mastery_history', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mastery_history_attempt_id_attempt'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mastery_history_attempt_id'))
        batch_op.drop_column('attempt_id')
        batch_op.drop_column('previous_verdict')
    with op.batch_alter_table('mastery_estimate', schema=None) as batch_op:
        batch_op.drop_column('exercises')
        batch_op.drop_column('answers')
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_column('answer_salt')
