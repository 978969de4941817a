"""audit events belong to an organisation

Each admin reads only their own organisation's audit trail. Existing events are given the
organisation of the person who acted or, for sign-in events without one, of the account named.

Revision ID: 0012_audit_scope
Revises: 0011_session_seats
Create Date: 2026-12-02 22:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_audit_scope'
down_revision = '0011_session_seats'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_organisation_id_organisation'), 'organisation',
                                    ['organisation_id'], ['id'], ondelete='CASCADE')
    op.execute("UPDATE audit_event SET organisation_id = (SELECT u.organisation_id FROM user_account u "
               "WHERE u.id = audit_event.actor_id) WHERE actor_id IS NOT NULL")
    op.execute("UPDATE audit_event SET organisation_id = (SELECT u.organisation_id FROM user_account u "
               "WHERE lower(u.email) = lower(audit_event.target)) WHERE organisation_id IS NULL")


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_event_organisation_id'))
        batch_op.drop_column('organisation_id')
