"""How staff sign in besides a password: their bindings at an OpenID provider, their passkeys,
the browsers they signed in from, their recovery codes, and the rules per role."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base
from portal.models.common import utcnow
from portal.models.staff import StaffUser


class StaffIdentity(Base):
    """An account's binding to one person at an OpenID provider: the provider (issuer, and for a
    federation like ProConnect the identity provider behind it) and her subject there."""

    __tablename__ = "staff_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", "idp_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    # ProConnect's `sub` differs per identity provider: "" for a provider without one.
    idp_id: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    staff: Mapped[StaffUser] = relationship()


class StaffPasskey(Base):
    """A passkey or security key (WebAuthn credential) a staff member registered and named."""

    __tablename__ = "staff_passkey"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url
    public_key: Mapped[str] = mapped_column(Text)  # base64url COSE key
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class StaffDevice(Base):
    """A browser that signed in successfully (its signed device cookie names this row): its own
    failures lock only itself, never the account for her other browsers."""

    __tablename__ = "staff_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class StaffRecoveryCode(Base):
    """One-time recovery code, kept as a hash: shown once, used instead of a second factor."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RoleSignInRule(Base):
    """How the people of a role must sign in, as the coordinator set it."""

    __tablename__ = "role_sign_in_rule"

    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    oidc_required: Mapped[bool] = mapped_column(Boolean, default=False)
