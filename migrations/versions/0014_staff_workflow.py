"""staff workflow: undoable spam decisions, drafts kept across an expired session, interpreters

Revision ID: 0014_staff_workflow
Revises: 0013_safety_facts
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_staff_workflow"
down_revision = "0013_safety_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spam_decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("request_ids", sa.JSON(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_spam_decision_created_at", "spam_decision", ["created_at"])
    op.create_table(
        "staff_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey("staff_user.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("data_enc", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_staff_draft_staff_id", "staff_draft", ["staff_id"])
    with op.batch_alter_table("callback_request") as batch_op:
        batch_op.add_column(sa.Column("interpreter_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("interpreter_service", sa.String(80), nullable=True))
        batch_op.add_column(sa.Column("interpreter_note_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callback_request") as batch_op:
        batch_op.drop_column("interpreter_note_enc")
        batch_op.drop_column("interpreter_service")
        batch_op.drop_column("interpreter_at")
    op.drop_index("ix_staff_draft_staff_id", table_name="staff_draft")
    op.drop_table("staff_draft")
    op.drop_index("ix_spam_decision_created_at", table_name="spam_decision")
    op.drop_table("spam_decision")
