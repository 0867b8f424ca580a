"""safety facts: a calling rank per request, the officer's danger assessment, referral corrections

Revision ID: 0013_safety_facts
Revises: 0012_faults
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_safety_facts"
down_revision = "0012_faults"
branch_labels = None
depends_on = None

# The ranks of portal.casework.ranking, as they were when this migration was written.
RANK_OF_EXISTING = """
UPDATE callback_request SET calling_rank = CASE
    WHEN trust IN ('card', 'referral') AND urgent THEN 1
    WHEN trust IN ('card', 'referral') THEN 2
    WHEN urgent THEN 3
    ELSE 4
END
"""


def upgrade() -> None:
    with op.batch_alter_table("callback_request") as batch_op:
        batch_op.add_column(
            sa.Column("calling_rank", sa.SmallInteger(), nullable=False, server_default="4")
        )
        batch_op.add_column(
            sa.Column(
                "danger_characterised", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("danger_red_answers", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("corrected_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("corrected_fields", sa.JSON(), nullable=True))
    op.execute(sa.text(RANK_OF_EXISTING))
    op.create_index(
        "ix_request_rank_queue", "callback_request", ["status", "calling_rank", "created_at", "id"]
    )
    op.create_index(
        "ix_request_station_rank_queue",
        "callback_request",
        ["station_id", "status", "calling_rank", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_request_station_rank_queue", table_name="callback_request")
    op.drop_index("ix_request_rank_queue", table_name="callback_request")
    with op.batch_alter_table("callback_request") as batch_op:
        batch_op.drop_column("corrected_fields")
        batch_op.drop_column("corrected_at")
        batch_op.drop_column("danger_red_answers")
        batch_op.drop_column("danger_characterised")
        batch_op.drop_column("calling_rank")
