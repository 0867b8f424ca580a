"""stations run by the coordinator: calling hours; short card codes

Revision ID: 0005_stations
Revises: 0004
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op


revision = '0005_stations'
down_revision = '0004'
branch_labels = None
depends_on = None

# The same alphabet and length as portal.intake.card_codes, written out: a migration never changes.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 6


def upgrade() -> None:
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calling_hours', sa.String(length=120), nullable=False, server_default=sa.text("''")))
    with op.batch_alter_table('card_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short_code', sa.String(length=8), nullable=True))
    _give_batches_codes()
    with op.batch_alter_table('card_batch', schema=None) as batch_op:
        batch_op.alter_column('short_code', existing_type=sa.String(length=8), nullable=False)
        batch_op.create_index('ix_card_batch_short_code', ['short_code'], unique=True)


def _give_batches_codes() -> None:
    """Batches made before short codes get one each; their signed links keep working too."""
    conn = op.get_bind()
    batch = sa.table('card_batch', sa.column('id', sa.Integer), sa.column('short_code', sa.String))
    ids = [row.id for row in conn.execute(sa.select(batch.c.id))]
    used: set[str] = set()
    for ident in ids:
        while (code := "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))) in used:
            pass
        used.add(code)
        conn.execute(batch.update().where(batch.c.id == ident).values(short_code=code))


def downgrade() -> None:
    with op.batch_alter_table('card_batch', schema=None) as batch_op:
        batch_op.drop_index('ix_card_batch_short_code')
        batch_op.drop_column('short_code')
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.drop_column('calling_hours')
