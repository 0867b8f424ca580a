"""What the service keeps about itself for operators: the row the readiness check writes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.common import Base, utcnow


class ReadinessCanary(Base):
    """One row: written by every readiness check (the database takes writes), and holding a
    known text encrypted with the data keys (the keys in use still open what is stored). Key
    rotation rewrites it like any encrypted field."""

    __tablename__ = "readiness_canary"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_enc: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
