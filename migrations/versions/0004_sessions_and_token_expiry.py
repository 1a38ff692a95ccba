"""server-side login sessions, API token expiry, secret links kept apart from outbox mail bodies

Revision ID: 0004_sessions_and_token_expiry
Revises: 0003_organisation_membership
"""
import re
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


revision = '0004_sessions_and_token_expiry'
down_revision = '0003_organisation_membership'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    # Tokens made before expiry existed get the default lifetime from the day of the upgrade.
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    api_token = sa.table('api_token', sa.column('expires_at', sa.DateTime(timezone=True)))
    op.execute(api_token.update().values(expires_at=datetime.now(UTC) + timedelta(days=90)))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret_links', sa.JSON(), nullable=True))
    # Reset links already in the outbox were readable by admins: blank them (they last an hour anyway).
    mail = sa.table('mail_message', sa.column('id', sa.Integer()), sa.column('body', sa.Text()))
    connection = op.get_bind()
    for message_id, body in connection.execute(sa.select(mail.c.id, mail.c.body).where(mail.c.body.like('%/auth/reset/%'))):
        connection.execute(mail.update().where(mail.c.id == message_id)
                           .values(body=re.sub(r'\S+/auth/reset/\S+', '[[reset_link]]', body)))


def downgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_column('secret_links')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')
