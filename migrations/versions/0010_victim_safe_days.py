"""safe days: the weekdays a person may be called, and a window mask per weekday

Revision ID: 0005_victim_safe_days
Revises: 0005_coordinator
Create Date: 2026-12-02 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_victim_safe_days"
down_revision = "0005_abuse"
branch_labels = None
depends_on = None

SLOT_COUNT = 7
# Multiplying a one-day mask by this copies it to the seven weekdays (7 bits per day, no carry).
EVERY_DAY = sum(1 << (day * SLOT_COUNT) for day in range(7))
SLOTS = ("08:00-10:00", "10:00-12:00", "12:00-14:00", "14:00-17:00", "17:00-20:00",
         "20:00-22:00", "22:00-08:00")


def upgrade() -> None:
    with op.batch_alter_table("callback_request") as batch_op:
        batch_op.add_column(sa.Column("safe_days", sa.JSON(), nullable=True))
        batch_op.alter_column(
            "window_mask", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )
    # Requests made before days were asked may be called any day.
    op.execute(sa.text(f"UPDATE callback_request SET window_mask = window_mask * {EVERY_DAY}"))


def downgrade() -> None:
    # Back to one bit per window, whatever the days; first, so that the masks fit an INTEGER.
    conn = op.get_bind()
    table = sa.table("callback_request", sa.column("id", sa.Integer),
                     sa.column("safe_windows", sa.JSON), sa.column("window_mask", sa.BigInteger))
    for row in conn.execute(sa.select(table.c.id, table.c.safe_windows)).all():
        mask = sum(1 << i for i, slot in enumerate(SLOTS) if slot in (row.safe_windows or []))
        conn.execute(table.update().where(table.c.id == row.id).values(window_mask=mask))
    with op.batch_alter_table("callback_request") as batch_op:
        batch_op.alter_column(
            "window_mask", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
        batch_op.drop_column("safe_days")
