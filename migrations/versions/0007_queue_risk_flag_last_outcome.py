"""queue: last attempt outcome, risk flag, closing note, referrals by officer

Revision ID: 0005_queue
Revises: 0005_stations
Create Date: 2026-12-02 04:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005_queue'
down_revision = '0005_coordinator'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_outcome', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('risk_flagged_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('close_note_enc', sa.Text(), nullable=True))
        batch_op.create_index('ix_request_referrer', ['referrer_id', 'created_at'], unique=False)
    _fill_last_outcomes()


def _fill_last_outcomes() -> None:
    """Requests stored before this revision get the outcome of their latest attempt."""
    requests = sa.table("callback_request", sa.column("id", sa.Integer),
                        sa.column("last_attempt_outcome", sa.String))
    attempts = sa.table("call_attempt", sa.column("id", sa.Integer),
                        sa.column("request_id", sa.Integer), sa.column("outcome", sa.String))
    conn = op.get_bind()
    latest = sa.select(attempts.c.request_id, sa.func.max(attempts.c.id).label("last"))
    latest = latest.group_by(attempts.c.request_id).subquery()
    rows = conn.execute(
        sa.select(attempts.c.request_id, attempts.c.outcome).join(latest, attempts.c.id == latest.c.last)
    ).all()
    for request_id, outcome in rows:
        conn.execute(requests.update().where(requests.c.id == request_id)
                     .values(last_attempt_outcome=outcome))


def downgrade() -> None:
    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_referrer')
        batch_op.drop_column('close_note_enc')
        batch_op.drop_column('risk_flagged_at')
        batch_op.drop_column('last_attempt_outcome')
