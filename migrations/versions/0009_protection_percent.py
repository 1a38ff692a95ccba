"""alliance.protection_percent: the protection interval (± %) the disclosure audit guarantees

Revision ID: 0009_protection_percent
Revises: 0005_signal_releases
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_protection_percent'
down_revision = '0005_signal_releases'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alliance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('protection_percent', sa.Integer(), server_default='20', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_alliance_protection_percent_range'), 'protection_percent >= 1 AND protection_percent <= 100')


def downgrade():
    with op.batch_alter_table('alliance', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_alliance_protection_percent_range'), type_='check')
        batch_op.drop_column('protection_percent')
