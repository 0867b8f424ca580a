"""staff sign-in: OpenID identities, passkeys, known browsers, recovery codes, rules per role

Revision ID: 0015_staff_sign_in
Revises: 0014_staff_workflow
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_staff_sign_in"
down_revision = "0014_staff_workflow"
branch_labels = None
depends_on = None


def _owner() -> sa.Column:
    return sa.Column(
        "staff_id", sa.Integer(), sa.ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "staff_identity",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owner(),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("idp_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("issuer", "subject", "idp_id"),
    )
    op.create_index("ix_staff_identity_staff_id", "staff_identity", ["staff_id"])
    op.create_table(
        "staff_passkey",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owner(),
        sa.Column("credential_id", sa.String(length=1400), nullable=False, unique=True),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_staff_passkey_staff_id", "staff_passkey", ["staff_id"])
    op.create_table(
        "staff_device",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owner(),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_staff_device_staff_id", "staff_device", ["staff_id"])
    op.create_table(
        "staff_recovery_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owner(),
        sa.Column("code_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_staff_recovery_code_staff_id", "staff_recovery_code", ["staff_id"])
    op.create_table(
        "role_sign_in_rule",
        sa.Column("role", sa.String(length=16), primary_key=True),
        sa.Column("oidc_required", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("role_sign_in_rule")
    for table in ("staff_recovery_code", "staff_device", "staff_passkey", "staff_identity"):
        op.drop_index(f"ix_{table}_staff_id", table_name=table)
        op.drop_table(table)
