"""The service's calling hours (working days, Europe/Paris) against the times a person chose:
whether any of her safe times can be called at all."""

from __future__ import annotations

import datetime as dt

from portal.casework.windows import WEEKDAYS, parse_window
from portal.casework.working_hours import parse_hours


def calling_hours(text: str) -> tuple[dt.time, dt.time]:
    """The hours the service calls on working days, from the setting ('09:00-17:00')."""
    return parse_hours(text)


def _overlaps(window: str, hours: tuple[dt.time, dt.time]) -> bool:
    start, end = parse_window(window)
    open_at, close_at = hours
    if end <= start:  # a window across midnight: its evening part, then its morning part
        return start < close_at or open_at < end
    return start < close_at and open_at < end


def outside_calling_hours(windows: list[str], days: list[int] | None, hours_text: str) -> bool:
    """True when no chosen time falls on a working day within the calling hours: nobody can
    call her then, and the social worker must know (a text message, or a call at the edge)."""
    hours = calling_hours(hours_text)
    weekdays = [d for d in (days or WEEKDAYS) if d in WEEKDAYS]
    return not weekdays or not any(_overlaps(w, hours) for w in windows)
