"""The tables: stations, cards, callback requests, staff accounts and the audit log."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .card_codes import new_code
from .db import Base


def utcnow() -> dt.datetime:
    """Naive UTC, the same on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class StationKind(enum.StrEnum):
    COMMISSARIAT = "commissariat"
    BRIGADE = "brigade"
    OTHER = "other"


class RequestStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_STATUSES = (RequestStatus.NEW.value, RequestStatus.IN_PROGRESS.value)


class Outcome(enum.StrEnum):
    """How a request ended."""

    ACCOMPANIED = "accompanied"
    ORIENTED = "oriented"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"
    SPAM = "spam"


class AttemptOutcome(enum.StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    SOMEONE_ELSE = "someone_else"
    WRONG_NUMBER = "wrong_number"
    VOICEMAIL = "voicemail"
    SMS_SENT = "sms_sent"


class KnownToServices(enum.StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class RequestSource(enum.StrEnum):
    SELF = "self"
    REFERRAL = "referral"


class Station(Base):
    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    commune: Mapped[str] = mapped_column(String(80))
    # The number the social worker calls from, told to the person so she recognises it.
    callback_number: Mapped[str | None] = mapped_column(String(20))
    # When the social worker usually calls, in words printed on the cards ("lun.–ven. 9 h–17 h").
    calling_hours: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CardBatch(Base):
    __tablename__ = "card_batch"
    __table_args__ = (Index("ix_card_batch_short_code", "short_code", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    # Printed on the cards and typed by people: random, so it tells nothing of ids or stations.
    short_code: Mapped[str] = mapped_column(String(8), default=new_code)
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    station: Mapped[Station] = relationship()


class CallbackRequest(Base):
    __tablename__ = "callback_request"
    __table_args__ = (
        Index("ix_request_queue", "status", "urgent", "created_at", "id"),
        Index("ix_request_station_queue", "station_id", "status", "urgent", "created_at", "id"),
        Index("ix_request_closed", "status", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    card_batch_id: Mapped[int | None] = mapped_column(ForeignKey("card_batch.id"))
    source: Mapped[str] = mapped_column(String(16), default=RequestSource.SELF.value)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.NEW.value)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # "HH:MM-HH:MM" in Europe/Paris time; the end may come before the start (overnight).
    safe_windows: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The same windows as bits of portal.windows.SLOTS, so the queue can sort on "safe now" in SQL.
    window_mask: Mapped[int] = mapped_column(Integer, default=0)
    voicemail_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_only: Mapped[bool] = mapped_column(Boolean, default=False)
    call_language: Mapped[str] = mapped_column(String(8))
    page_language: Mapped[str] = mapped_column(String(8))
    do_not_call_after: Mapped[dt.date | None] = mapped_column(Date)
    # Personal data, encrypted by portal.crypto; never stored in clear.
    phone_enc: Mapped[str | None] = mapped_column(Text)
    name_enc: Mapped[str | None] = mapped_column(Text)
    message_enc: Mapped[str | None] = mapped_column(Text)
    cover_story_enc: Mapped[str | None] = mapped_column(Text)
    # Keyed hash of the phone number, to find open requests from the same number.
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    cancel_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Work on the request.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    first_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(16))
    known_to_services: Mapped[str | None] = mapped_column(String(8))
    # Set on arrival: an open request from the same number, and whether it gave another name.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("callback_request.id"))
    name_conflict: Mapped[bool] = mapped_column(Boolean, default=False)

    station: Mapped[Station | None] = relationship()
    card_batch: Mapped[CardBatch | None] = relationship()
    assigned_to: Mapped[StaffUser | None] = relationship(foreign_keys=[assigned_to_id])
    attempts: Mapped[list[CallAttempt]] = relationship(
        back_populates="request", order_by="CallAttempt.id"
    )

    # Every change checks the version it read: two people never overwrite each other unknowingly.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CallAttempt(Base):
    __tablename__ = "call_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_request.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    note_enc: Mapped[str | None] = mapped_column(Text)

    request: Mapped[CallbackRequest] = relationship(back_populates="attempts")
    staff: Mapped[StaffUser | None] = relationship()


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


class AuditHead(Base):
    """One row, updated by every audit write so that writers queue up and the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


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


class DirectoryEntry(Base):
    """A support service in the directory; field names follow data·inclusion where they fit."""

    __tablename__ = "directory_entry"
    __table_args__ = (
        UniqueConstraint("uid", name="uq_directory_entry_uid"),
        Index("ix_directory_entry_listing", "hidden", "visibility", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # data·inclusion `id`: stable across exports and imports.
    uid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(150))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    thematiques: Mapped[list[str]] = mapped_column(JSON, default=list)
    publics: Mapped[list[str]] = mapped_column(JSON, default=list)
    modes_accueil: Mapped[list[str]] = mapped_column(JSON, default=list)
    mobilisable_par: Mapped[list[str]] = mapped_column(JSON, default=list)
    zone_eligibilite: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Names of the communes served, for people; empty means the whole zone.
    communes: Mapped[list[str]] = mapped_column(JSON, default=list)
    address: Mapped[str] = mapped_column(String(255), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    commune: Mapped[str] = mapped_column(String(80), default="")
    # A shelter's address: shown to nobody but an admin editing the entry.
    address_confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(20), default="")
    sms_only: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    opening_hours: Mapped[str] = mapped_column(String(255), default="")
    open_24_7: Mapped[bool] = mapped_column(Boolean, default=False)
    accessibility: Mapped[str] = mapped_column(Text, default="")
    fees: Mapped[str] = mapped_column(String(16), default="gratuit")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    interpreting: Mapped[bool] = mapped_column(Boolean, default=False)
    reception: Mapped[str] = mapped_column(String(16), default="")
    # For professionals only.
    pro_phone: Mapped[str] = mapped_column(String(20), default="")
    pro_email: Mapped[str] = mapped_column(String(254), default="")
    referral_procedure: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verified_by: Mapped[str] = mapped_column(String(120), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class DirectoryCorrection(Base):
    """A correction a professional proposes to a directory entry, until the coordinator decides."""

    __tablename__ = "directory_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("directory_entry.id", ondelete="CASCADE"), index=True
    )
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The fields to change and their proposed values, in the entry's own field names.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    # "pending", then "accepted" or "refused".
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    entry: Mapped[DirectoryEntry] = relationship()
    proposed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[proposed_by_id])
