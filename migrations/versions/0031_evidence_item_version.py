"""each answer's evidence names the version of the question answered

Revision ID: 0031_evidence_item_version
Revises: 0030_attempt_snapshots
Create Date: 2026-12-04 15:40:00

Earlier evidence takes the version its attempt recorded (version 1 where none was recorded).
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0031_evidence_item_version'
down_revision = '0030_attempt_snapshots'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_version', sa.Integer(), nullable=True))
    conn = op.get_bind()
    keys = dict(conn.execute(sa.text("SELECT id, key FROM item")).all())
    attempts = conn.execute(sa.text("SELECT id, item_versions FROM attempt WHERE item_versions IS NOT NULL")).all()
    for attempt_id, given in attempts:
        given = json.loads(given) if isinstance(given, str) else given
        for evidence_id, item_id in conn.execute(sa.text("SELECT id, item_id FROM evidence WHERE attempt_id = :a "
                                                         "AND item_id IS NOT NULL"), {"a": attempt_id}).all():
            number = (given or {}).get(keys.get(item_id), 1)
            if number != 1:
                conn.execute(sa.text("UPDATE evidence SET item_version = :n WHERE id = :id"),
                             {"n": number, "id": evidence_id})


def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('item_version')
