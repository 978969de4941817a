"""the outbox of messages

Every message is queued as a row in the same transaction as the change that causes it and sent
by the background worker, with retries and a status admins can read.

Revision ID: 0014_messages
Revises: 0013_org_settings
Create Date: 2026-12-03 13:00:00

"""
from alembic import op
import sqlalchemy as sa



revision = '0014_messages'
down_revision = '0013_org_settings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('dedup_key', sa.String(length=160), nullable=False),
        sa.Column('sender', sa.String(length=254), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_message_organisation_id_organisation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message')),
        sa.UniqueConstraint('dedup_key', name=op.f('uq_message_dedup_key')),
    )
    op.create_index('ix_message_status_next', 'message', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_message_organisation_id'), 'message', ['organisation_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_message_organisation_id'), table_name='message')
    op.drop_index('ix_message_status_next', table_name='message')
    op.drop_table('message')
