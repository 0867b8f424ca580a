"""every confirmation code kept, the outbox of notices to staff, the audit log's sealed start

Revision ID: 0012_faults
Revises: 0011_operations
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_faults"
down_revision = "0011_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_code",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("callback_request.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_request_code_request_id", "request_code", ["request_id"])
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(64), nullable=True),
    )
    op.create_index("ix_notice_due", "notice", ["sent_at", "next_attempt_at"])
    with op.batch_alter_table("audit_head") as batch_op:
        batch_op.add_column(sa.Column("base_hash", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("base_seal", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch_op:
        batch_op.drop_column("base_seal")
        batch_op.drop_column("base_hash")
    op.drop_index("ix_notice_due", table_name="notice")
    op.drop_table("notice")
    op.drop_index("ix_request_code_request_id", table_name="request_code")
    op.drop_table("request_code")
