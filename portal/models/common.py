"""What every table shares: the declarative base and the clock the rows are stamped with."""

from __future__ import annotations

import datetime as dt

from portal.core.db import Base

__all__ = ["Base", "utcnow"]


def utcnow() -> dt.datetime:
    """Naive UTC, the same on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
