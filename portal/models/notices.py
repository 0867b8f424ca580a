"""The outbox of notices to staff: written with what they announce, sent by `send-notices`."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base
from portal.models.common import utcnow


class NoticeKind(enum.StrEnum):
    NEW_ENTRY = "new_entry"  # a new entry in a station's queue
    FLOOD = "flood"  # requests overflow into "to check"


class Notice(Base):
    """One e-mail to send; nothing personal: a kind, a station, whether urgent."""

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    station_id: Mapped[int | None] = mapped_column(Integer)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The class of the last failure (never a message, which could quote an address).
    last_error: Mapped[str | None] = mapped_column(String(64))
