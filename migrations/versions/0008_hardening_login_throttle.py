"""failed logins under usernames that open no account, counted in the database

Revision ID: 0005_hardening
Revises: 0005_coordinator
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005_hardening'
down_revision = '0005_queue'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index('ix_login_throttle_updated_at', 'login_throttle', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_login_throttle_updated_at', table_name='login_throttle')
    op.drop_table('login_throttle')
