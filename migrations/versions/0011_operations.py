"""readiness canary: the row the readiness check writes and decrypts

Revision ID: 0011_operations
Revises: 0005_victim_safe_days
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_operations"
down_revision = "0005_victim_safe_days"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "readiness_canary",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_enc", sa.Text(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("readiness_canary")
