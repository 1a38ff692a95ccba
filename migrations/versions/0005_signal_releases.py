"""signal releases: release number, date and held reason of a snapshot; private per-buyer contributions

Revision ID: 0005_signal_releases
Revises: 0007_joint_statement
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_signal_releases'
down_revision = '0007_joint_statement'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('released_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('held_reason', sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_snapshot_round_id_release_number'),
                                          ['round_id', 'release_number'])
    op.create_table('release_contribution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('criteria_set_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('value_minor', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], name=op.f('fk_release_contribution_snapshot_id_snapshot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_contribution'))
    )
    with op.batch_alter_table('release_contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_contribution_snapshot_id'), ['snapshot_id'], unique=False)


def downgrade():
    with op.batch_alter_table('release_contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_contribution_snapshot_id'))
    op.drop_table('release_contribution')
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_snapshot_round_id_release_number'), type_='unique')
        batch_op.drop_column('held_reason')
        batch_op.drop_column('released_at')
        batch_op.drop_column('release_number')
