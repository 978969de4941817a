"""content an organisation owns: questions, tests, rewritten lessons and tailored exercises

Revision ID: 0028_content_owner
Revises: 0027_stored_model
Create Date: 2026-12-04 15:10:00

Shipped content keeps no owner (shared by every organisation). What was written, imported or tailored
in the browser before this revision goes to the organisation whose audit trail (or whose import, or
whose author) shows it; what no trail names stays shared, and with a single organisation everything
is that organisation's.
"""
from alembic import op
import sqlalchemy as sa


revision = '0028_content_owner'
down_revision = '0027_stored_model'
branch_labels = None
depends_on = None


def _owners(conn):
    """{(kind, key): organisation id} for content the trail attributes to an organisation."""
    owners = {}
    rows = conn.execute(sa.text("SELECT action, target, organisation_id FROM audit_event "
                                "WHERE action LIKE 'content.%' AND organisation_id IS NOT NULL ORDER BY id"))
    for action, target, org in rows:
        kind = "quiz" if action.startswith("content.quiz_") else "item" if action.startswith("content.item_") else \
            "import" if action.startswith("content.import_") else None
        if kind:
            owners.setdefault((kind, target), org)
    imports = conn.execute(sa.text("SELECT c.filename, u.organisation_id FROM content_import c "
                                   "JOIN user_account u ON u.id = c.user_id WHERE c.status = 'confirmed' ORDER BY c.id"))
    for filename, org in imports:
        owners.setdefault(("import", filename), org)
    return owners


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds a table to give it a foreign key; while it drops the old one, its children's
    ON DELETE CASCADE must not fire (the versions of every question would go)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    for table in ('item', 'quiz'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_organisation_id'), ['organisation_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_organisation_id_organisation'), 'organisation',
                                        ['organisation_id'], ['id'])
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_replaces_id_{table}'), table, ['replaces_id'], ['id'],
                                        ondelete='SET NULL')
    conn = op.get_bind()
    orgs = [row[0] for row in conn.execute(sa.text("SELECT id FROM organisation ORDER BY id"))]
    only = orgs[0] if len(orgs) == 1 else None
    owners = _owners(conn)
    for table, shipped in (('item', "bank:%"), ('quiz', "forms")):
        for row_id, key, source in conn.execute(sa.text(f"SELECT id, key, source FROM {table} "  # nosec B608
                                                        "WHERE source NOT LIKE :shipped"), {"shipped": shipped}):
            org = owners.get((table, key)) or (owners.get(("import", source[len("import:"):]))
                                               if source.startswith("import:") else None) or only
            if org is not None:
                conn.execute(sa.text(f"UPDATE {table} SET organisation_id = :org WHERE id = :id"),  # nosec B608
                             {"org": org, "id": row_id})

    for table, column in (('lesson_text', 'lesson'), ('scenario_text', 'scenario_id')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        conn.execute(sa.text(f"UPDATE {table} SET organisation_id = (SELECT u.organisation_id FROM user_account u "  # nosec B608
                             f"WHERE u.id = {table}.author_id)"))
        if orgs:
            conn.execute(sa.text(f"UPDATE {table} SET organisation_id = :org WHERE organisation_id IS NULL"),  # nosec B608
                         {"org": orgs[0]})
        conn.execute(sa.text(f"DELETE FROM {table} WHERE organisation_id IS NULL"))  # nosec B608
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
            batch_op.drop_constraint(f'uq_{table}_{column}', type_='unique')
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_organisation_id_{column}'), ['organisation_id', column])
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_organisation_id_organisation'), 'organisation',
                                        ['organisation_id'], ['id'])
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    for table, column in (('lesson_text', 'lesson'), ('scenario_text', 'scenario_id')):
        conn = op.get_bind()
        conn.execute(sa.text(f"DELETE FROM {table} WHERE id NOT IN (SELECT MIN(id) FROM {table} "  # nosec B608
                             f"GROUP BY {column})"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_organisation_id_organisation'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_organisation_id_{column}'), type_='unique')
            batch_op.create_unique_constraint(f'uq_{table}_{column}', [column])
            batch_op.drop_column('organisation_id')
    for table in ('quiz', 'item'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_replaces_id_{table}'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_organisation_id_organisation'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_organisation_id'))
            batch_op.drop_column('replaces_id')
            batch_op.drop_column('organisation_id')
    _foreign_keys(True)
