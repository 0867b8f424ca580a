"""Local time for the people we serve: the portal works in Europe/Paris."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def paris_now() -> dt.datetime:
    return dt.datetime.now(PARIS)


def paris_today() -> dt.date:
    return paris_now().date()
