"""establishment.on_delete: what deleting a site does on the platforms

Revision ID: 7b1e4c9d2a60
Revises: 9a4c1e7b3d52
Create Date: 2026-12-02 18:40:00

`close` (mark permanently closed everywhere), `remove` (remove the listing where the platform
allows it, ask a person elsewhere) or `leave` (stop managing, listings left as they are). Null
for a site that is not deleted, and for sites deleted before this column: those read as `leave`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '7b1e4c9d2a60'
down_revision: str | None = '9a4c1e7b3d52'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('establishment') as batch:
        batch.add_column(sa.Column('on_delete', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('establishment') as batch:
        batch.drop_column('on_delete')
