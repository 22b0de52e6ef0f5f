"""users: dashboard accounts with roles and site limits, their sessions, and API keys that can
expire, be read-only, belong to a user and carry the same limits

Revision ID: a13d5b7c9e01
Revises: 7b1e4c9d2a60
Create Date: 2026-12-02 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = 'a13d5b7c9e01'
down_revision: str | None = '7b1e4c9d2a60'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('labels', JSONType, nullable=True),
    sa.Column('store_codes', JSONType, nullable=True),
    sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email'),
    )
    op.create_index('ix_app_user_organisation_id', 'app_user', ['organisation_id'])
    op.create_table('user_session',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_user_session_user_id', 'user_session', ['user_id'])
    with op.batch_alter_table('api_key') as batch:
        batch.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('read_only', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('labels', JSONType, nullable=True))
        batch.add_column(sa.Column('store_codes', JSONType, nullable=True))
        batch.create_foreign_key('fk_api_key_user_id', 'app_user', ['user_id'], ['id'])
        batch.create_index('ix_api_key_user_id', ['user_id'])


def downgrade() -> None:
    with op.batch_alter_table('api_key') as batch:
        batch.drop_index('ix_api_key_user_id')
        batch.drop_constraint('fk_api_key_user_id', type_='foreignkey')
        for name in ('store_codes', 'labels', 'read_only', 'expires_at', 'user_id'):
            batch.drop_column(name)
    op.drop_index('ix_user_session_user_id', 'user_session')
    op.drop_table('user_session')
    op.drop_index('ix_app_user_organisation_id', 'app_user')
    op.drop_table('app_user')
