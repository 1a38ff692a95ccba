"""organisation membership: roles, e-mail confirmation, join requests, invitations, verified e-mail domains

Existing users stay active members of their organisation with a confirmed e-mail. The users of an
organisation that leads an alliance, and the first user of every organisation, become its admins.

Revision ID: 0003_organisation_membership
Revises: 0002_notification_preference
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_organisation_membership'
down_revision = '0002_notification_preference'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_domain', sa.String(length=253), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_organisation_email_domain'), ['email_domain'])

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_role', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            batch_op.f('ck_user_organisation_role'), "organisation_role IN ('admin', 'member')")

    op.execute('UPDATE "user" SET email_confirmed_at = created_at, organisation_role = \'member\'')
    op.execute(
        'UPDATE "user" SET organisation_role = \'admin\' WHERE id IN '
        '(SELECT MIN(id) FROM "user" GROUP BY organisation_id) OR organisation_id IN '
        "(SELECT organisation_id FROM membership WHERE role = 'lead' AND status = 'active')"
    )

    op.create_table('organisation_join_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'refused', 'withdrawn')", name=op.f('ck_organisation_join_request_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_organisation_join_request_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_join_request_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_organisation_join_request_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_join_request'))
    )
    with op.batch_alter_table('organisation_join_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_join_request_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_join_request_user_id'), ['user_id'], unique=False)

    op.create_table('organisation_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'member')", name=op.f('ck_organisation_invitation_role')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id'], name=op.f('fk_organisation_invitation_accepted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_organisation_invitation_invited_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_invitation_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_organisation_invitation_token_hash'))
    )
    with op.batch_alter_table('organisation_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_invitation_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('organisation_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_invitation_organisation_id'))
    op.drop_table('organisation_invitation')
    with op.batch_alter_table('organisation_join_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_join_request_user_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_join_request_organisation_id'))
    op.drop_table('organisation_join_request')
    # Users without an active organisation cannot be kept by the old schema.
    op.execute('DELETE FROM "user" WHERE organisation_id IS NULL')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_organisation_role'), type_='check')
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('email_confirmed_at')
        batch_op.drop_column('organisation_role')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_organisation_email_domain'), type_='unique')
        batch_op.drop_column('email_domain')
