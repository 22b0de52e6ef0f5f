"""feed deliveries

Revision ID: 27fb5301f458
Revises: e452cfdef901
Create Date: 2026-11-22 20:14:08.454431
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '27fb5301f458'
down_revision: str | None = 'e452cfdef901'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feed_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feed_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_feed_delivery_org_platform', ['organisation_id', 'platform', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('feed_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_delivery_org_platform')

    op.drop_table('feed_delivery')
