"""item versions: drafts, published versions and the version each attempt was given

Revision ID: 0023_item_versions
Revises: 0022_message_image
Create Date: 2026-12-03 18:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023_item_versions'
down_revision = '0022_message_image'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'item_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('type', sa.String(length=32), nullable=False),
        sa.Column('stem', sa.Text(), nullable=False),
        sa.Column('explanation', sa.Text(), nullable=False),
        sa.Column('difficulty', sa.String(length=16), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.Column('skills', sa.JSON(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_item_version_item_id_item'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_item_version_author_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_item_version')),
        sa.UniqueConstraint('item_id', 'number', name=op.f('uq_item_version_item_id_number')),
    )
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_versions', sa.JSON(), nullable=True))
    # every question in the bank today is its own version 1
    op.execute("INSERT INTO item_version (item_id, number, status, type, stem, explanation, difficulty, roles, "
               "skills, data, content_hash, created_at, published_at) "
               "SELECT item.id, 1, 'published', item.type, item.stem, item.explanation, item.difficulty, item.roles, "
               "'[]', item.data, item.content_hash, item.updated_at, item.updated_at FROM item")
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT item_skill.item_id, skill.slug FROM item_skill "
                                "JOIN skill ON skill.id = item_skill.skill_id ORDER BY skill.slug")).all()
    slugs: dict[int, list[str]] = {}
    for item_id, slug in rows:
        slugs.setdefault(item_id, []).append(slug)
    table = sa.table('item_version', sa.column('item_id', sa.Integer()), sa.column('skills', sa.JSON()))
    for item_id, found in slugs.items():
        bind.execute(table.update().where(table.c.item_id == item_id).values(skills=found))


def downgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_column('item_versions')
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_column('version')
    op.drop_table('item_version')
