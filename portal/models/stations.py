"""Police and gendarmerie stations and the batches of cards printed for them."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base
from portal.intake.card_codes import new_code
from portal.models.common import utcnow


class StationKind(enum.StrEnum):
    COMMISSARIAT = "commissariat"
    BRIGADE = "brigade"
    OTHER = "other"


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
