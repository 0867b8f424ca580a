"""Staff accounts, their sessions and login throttles, and the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base
from portal.models.common import utcnow
from portal.models.stations import Station


class Role(enum.StrEnum):
    ADMIN = "admin"
    INTERVENANT = "intervenant"
    REFERRER = "referrer"
    PARTNER = "partner"


staff_station = Table(
    "staff_station",
    Base.metadata,
    Column("staff_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", ForeignKey("station.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret_enc: Mapped[str | None] = mapped_column(Text)
    # The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Hash of the nonce of the one valid invitation link; None once it is used.
    invitation_nonce: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # For notices of new requests, which never carry personal data of a victim.
    email: Mapped[str | None] = mapped_column(String(254))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    stations: Mapped[list[Station]] = relationship(secondary=staff_station, order_by=Station.name)

    @property
    def enrolled(self) -> bool:
        return self.password_hash is not None and self.totp_secret_enc is not None


class StaffSession(Base):
    """A server-side login session, so that sessions can be ended from the server."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    staff: Mapped[StaffUser] = relationship()


class StaffDraft(Base):
    """What a staff member typed in a form her expired session could not save: kept encrypted,
    for her alone and for a short while, until she is signed in again and says what to do."""

    __tablename__ = "staff_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    data_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LoginThrottle(Base):
    """Failed logins under a username that opens no account, counted like an account's own
    (StaffUser.failed_logins): in the database, so that every process, however many, gives a
    known and an unknown name the same answer at the same attempt."""

    __tablename__ = "login_throttle"

    # A keyed hash of the name typed (it may be a password typed in the wrong field).
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AuditHead(Base):
    """One row, updated by every audit write so that writers queue up and the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    # Once old events are deleted (audit retention), the hash the oldest kept event follows,
    # and a keyed seal of it: the chain is verified from there, and nobody without the key can
    # move the starting point.
    base_hash: Mapped[str | None] = mapped_column(String(64))
    base_seal: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(Base):
    """Append-only; each event carries the hash of the previous one."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48), index=True)
    target: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
