"""directory corrections proposed by professionals, decided by the coordinator

Revision ID: 0005_coordinator
Revises: 0004
Create Date: 2026-12-02 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005_coordinator'
down_revision = '0005_stations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('directory_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], name='fk_directory_correction_decided_by_id_staff_user'),
    sa.ForeignKeyConstraint(['entry_id'], ['directory_entry.id'], name='fk_directory_correction_entry_id_directory_entry', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['staff_user.id'], name='fk_directory_correction_proposed_by_id_staff_user'),
    sa.PrimaryKeyConstraint('id', name='pk_directory_correction')
    )
    with op.batch_alter_table('directory_correction', schema=None) as batch_op:
        batch_op.create_index('ix_directory_correction_entry_id', ['entry_id'], unique=False)
        batch_op.create_index('ix_directory_correction_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('directory_correction', schema=None) as batch_op:
        batch_op.drop_index('ix_directory_correction_status')
        batch_op.drop_index('ix_directory_correction_entry_id')
    op.drop_table('directory_correction')
