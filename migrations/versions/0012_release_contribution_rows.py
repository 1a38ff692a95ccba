"""release_contribution without a surrogate id or a foreign key (a release copies ~50k rows at once)

Per row, a sequence value and the foreign-key check cost 0.1 s and 0.3 s of a 1M-pledge compile, the copy
itself 0.07 s; the rows are only ever read by their snapshot.

Revision ID: 0012_release_contribution_rows
Revises: 0009_protection_percent
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_release_contribution_rows'
down_revision = '0009_protection_percent'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('release_contribution', schema=None) as batch_op:
        batch_op.drop_constraint('fk_release_contribution_snapshot_id_snapshot', type_='foreignkey')
        batch_op.drop_constraint('pk_release_contribution', type_='primary')
        batch_op.drop_column('id')


def downgrade():
    op.execute('DELETE FROM release_contribution WHERE snapshot_id NOT IN (SELECT id FROM snapshot)')
    with op.batch_alter_table('release_contribution', schema=None) as batch_op:
        # The rows get ids again in no particular order (nothing reads them by id).
        batch_op.add_column(sa.Column('id', sa.Integer(), sa.Identity(), nullable=False))
        batch_op.create_primary_key('pk_release_contribution', ['id'])
        batch_op.create_foreign_key('fk_release_contribution_snapshot_id_snapshot', 'snapshot', ['snapshot_id'],
                                    ['id'], ondelete='CASCADE')
