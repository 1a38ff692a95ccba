"""criterion language: the language a criterion's wording is written in (every criterion so far is English)

Revision ID: 0014_criterion_language
Revises: 0013_pledge_round_updated
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_criterion_language'
down_revision = '0013_pledge_round_updated'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='en'))


def downgrade():
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_column('language')
