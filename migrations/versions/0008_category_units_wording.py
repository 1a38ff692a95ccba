"""categories: French and Spanish names, the unit each alliance counts a category in; criteria: wording and topic

Revision ID: 0008_category_units_wording
Revises: 0004_sessions_and_token_expiry
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_category_units_wording'
down_revision = '0004_sessions_and_token_expiry'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_fr', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('name_es', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wording', sa.String(length=12), server_default='source', nullable=False))
        batch_op.add_column(sa.Column('topic', sa.String(length=40), server_default='', nullable=False))
    op.create_table('alliance_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliance.id'], name=op.f('fk_alliance_category_alliance_id_alliance'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_alliance_category_category_id_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alliance_category')),
    sa.UniqueConstraint('alliance_id', 'category_id', name=op.f('uq_alliance_category_alliance_id_category_id'))
    )
    with op.batch_alter_table('alliance_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alliance_category_alliance_id'), ['alliance_id'], unique=False)
    # Alliances that already have criteria sets keep counting in the unit they used so far.
    op.execute("INSERT INTO alliance_category (alliance_id, category_id, unit) "
               "SELECT DISTINCT criteria_set.alliance_id, criteria_set.category_id, category.unit "
               "FROM criteria_set JOIN category ON category.id = criteria_set.category_id")


def downgrade():
    with op.batch_alter_table('alliance_category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alliance_category_alliance_id'))
    op.drop_table('alliance_category')
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_column('topic')
        batch_op.drop_column('wording')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('name_es')
        batch_op.drop_column('name_fr')
