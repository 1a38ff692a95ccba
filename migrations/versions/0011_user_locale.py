"""user locale: the language a user chose ("" follows the browser)

Revision ID: 0011_user_locale
Revises: 0008_category_units_wording
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_user_locale'
down_revision = '0008_category_units_wording'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('locale')
