"""import rows: an import's report rows in their own table, written a chunk at a time

Revision ID: d4e6a8c0f2b3
Revises: c3a5f7e9b1d2
Create Date: 2026-11-23 00:40:00

A 100,000-row report kept as one JSON document had to be built, serialised and stored whole:
over a gigabyte of memory. Reports stored before this keep their rows inside `import_run.report`
and are read from there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'd4e6a8c0f2b3'
down_revision: str | None = 'c3a5f7e9b1d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('import_row',
    sa.Column('import_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('data', JSONType, nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['import_run.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'row')
    )


def downgrade() -> None:
    op.drop_table('import_row')
