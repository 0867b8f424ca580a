"""lanes and folding: a "to check" lane, trust, grouping labels, requests folded per number

Revision ID: 0005_abuse
Revises: 0005_stations
Create Date: 2026-12-02 04:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005_abuse'
down_revision = '0005_hardening'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('callback_request') as batch:
        batch.add_column(sa.Column('lane', sa.String(length=8), nullable=False, server_default='queue'))
        batch.add_column(sa.Column('trust', sa.String(length=8), nullable=False, server_default='none'))
        batch.add_column(sa.Column('network_label', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('text_label', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('folded_count', sa.Integer(), nullable=False, server_default='0'))
        batch.create_index('ix_request_lane', ['lane', 'status', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('callback_request') as batch:
        batch.drop_index('ix_request_lane')
        batch.drop_column('folded_count')
        batch.drop_column('text_label')
        batch.drop_column('network_label')
        batch.drop_column('trust')
        batch.drop_column('lane')
