"""joint statements of demand (editions, commitments, signatures) and organisation identifiers

Signatures used to be implied by submitted pledges; they are now explicit rows. Existing rounds get no
statement here: a lead drafts and publishes one, and buyers sign it deliberately.

Revision ID: 0007_joint_statement
Revises: 0011_user_locale
"""
from alembic import op
import sqlalchemy as sa



revision = '0007_joint_statement'
down_revision = '0011_user_locale'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identifier_scheme', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('identifier', sa.String(length=60), nullable=False, server_default=''))

    op.create_table('joint_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('preamble', sa.Text(), nullable=False),
    sa.Column('market_conditions', sa.Text(), nullable=False),
    sa.Column('working_group', sa.Text(), nullable=False),
    sa.Column('legal_nature', sa.Text(), nullable=False),
    sa.Column('statement_date', sa.Date(), nullable=True),
    sa.Column('summary_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'published', 'withdrawn', 'superseded')", name=op.f('ck_joint_statement_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_joint_statement_created_by_id_user')),
    sa.ForeignKeyConstraint(['round_id'], ['demand_round.id'], name=op.f('fk_joint_statement_round_id_demand_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['summary_id'], ['demand_summary.id'], name=op.f('fk_joint_statement_summary_id_demand_summary')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_statement')),
    sa.UniqueConstraint('round_id', 'edition', name=op.f('uq_joint_statement_round_id_edition'))
    )
    with op.batch_alter_table('joint_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_statement_round_id'), ['round_id'], unique=False)

    op.create_table('statement_commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('criteria_set_id', sa.Integer(), nullable=False),
    sa.Column('share_percent', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('from_year', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.CheckConstraint("level IN ('core', 'comprehensive')", name=op.f('ck_statement_commitment_level')),
    sa.CheckConstraint('share_percent >= 1 AND share_percent <= 100', name=op.f('ck_statement_commitment_share_range')),
    sa.ForeignKeyConstraint(['criteria_set_id'], ['criteria_set.id'], name=op.f('fk_statement_commitment_criteria_set_id_criteria_set')),
    sa.ForeignKeyConstraint(['statement_id'], ['joint_statement.id'], name=op.f('fk_statement_commitment_statement_id_joint_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_commitment'))
    )
    with op.batch_alter_table('statement_commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_commitment_statement_id'), ['statement_id'], unique=False)

    op.create_table('statement_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_statement_signature_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user.id'], name=op.f('fk_statement_signature_signed_by_id_user')),
    sa.ForeignKeyConstraint(['statement_id'], ['joint_statement.id'], name=op.f('fk_statement_signature_statement_id_joint_statement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user.id'], name=op.f('fk_statement_signature_withdrawn_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_signature')),
    sa.UniqueConstraint('statement_id', 'organisation_id', name=op.f('uq_statement_signature_statement_id_organisation_id'))
    )
    with op.batch_alter_table('statement_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_signature_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_signature_statement_id'), ['statement_id'], unique=False)


def downgrade():
    op.drop_table('statement_signature')
    op.drop_table('statement_commitment')
    op.drop_table('joint_statement')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('identifier')
        batch_op.drop_column('identifier_scheme')
