"""The directory of support services and the corrections partners propose."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base
from portal.models.common import utcnow

if TYPE_CHECKING:
    from portal.models.staff import StaffUser


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
