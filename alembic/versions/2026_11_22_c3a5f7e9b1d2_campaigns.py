"""campaigns: bulk changes over many sites, and the sites each one touches

Revision ID: c3a5f7e9b1d2
Revises: 27fb5301f458
Create Date: 2026-11-22 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'c3a5f7e9b1d2'
down_revision: str | None = '27fb5301f458'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('campaign',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('request', JSONType, nullable=False),
    sa.Column('summary', JSONType, nullable=False),
    sa.Column('parent_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('apply_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('transition_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_org_created', ['organisation_id', 'created_at'], unique=False)
        batch_op.create_index('ix_campaign_state_apply_at', ['state', 'apply_at'], unique=False)

    op.create_table('campaign_site',
    sa.Column('campaign_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('store_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('before', JSONType, nullable=False),
    sa.Column('after', JSONType, nullable=False),
    sa.Column('base_revision', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'establishment_id')
    )
    with op.batch_alter_table('campaign_site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_site_establishment_id'), ['establishment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign_site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_site_establishment_id'))
    op.drop_table('campaign_site')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_state_apply_at')
        batch_op.drop_index('ix_campaign_org_created')
    op.drop_table('campaign')
