"""skills an organisation adds are its own

Revision ID: 0029_skill_owner
Revises: 0028_content_owner
Create Date: 2026-12-04 15:15:00

The shipped taxonomy keeps no owner. A skill added by an admin before this revision goes to the
organisation whose audit trail recorded adding it (with a single organisation, to that one).
"""
from alembic import op
import sqlalchemy as sa


revision = '0029_skill_owner'
down_revision = '0028_content_owner'
branch_labels = None
depends_on = None

SHIPPED = ("navigation-search", "accounts-contacts", "lead-management", "opportunity-pipeline", "activity-logging",
           "call-preparation", "data-quality", "reports-dashboards", "case-management", "campaigns",
           "email-calendar-sync")


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":  # the foreign key rebuilds the table: its children must not cascade
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_skill_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_skill_organisation_id_organisation'), 'organisation',
                                    ['organisation_id'], ['id'])
    if conn.dialect.name == "sqlite":
        op.execute("PRAGMA foreign_keys=ON")
    orgs = [row[0] for row in conn.execute(sa.text("SELECT id FROM organisation ORDER BY id"))]
    added = {}
    for target, org in conn.execute(sa.text("SELECT target, organisation_id FROM audit_event WHERE action = "
                                            "'skill.created' AND organisation_id IS NOT NULL ORDER BY id")):
        added.setdefault(target, org)
    for skill_id, slug, name in conn.execute(sa.text("SELECT id, slug, name FROM skill")).all():
        org = None if slug in SHIPPED else added.get(name) or (orgs[0] if len(orgs) == 1 else None)
        if org is not None:
            conn.execute(sa.text("UPDATE skill SET organisation_id = :org WHERE id = :id"), {"org": org, "id": skill_id})


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_skill_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_skill_organisation_id'))
        batch_op.drop_column('organisation_id')
    if conn.dialect.name == "sqlite":
        op.execute("PRAGMA foreign_keys=ON")
