"""Safe days and time windows chosen by the person, in Europe/Paris time, and when it is safe
to call."""

from __future__ import annotations

import datetime as dt

from babel.dates import get_day_names
from flask_babel import format_time, get_locale

from portal.core.timezone import PARIS

# Every window a request can hold, stored as "HH:MM-HH:MM". The slots cover the day without
# overlap, so each moment is in one slot. Bit (day × 7 + i) of a request's window_mask stands for
# SLOTS[i] starting on that weekday (Monday 0): one bit test in SQL says "safe now".
SLOTS: tuple[str, ...] = (
    "08:00-10:00",
    "10:00-12:00",
    "12:00-14:00",
    "14:00-17:00",
    "17:00-20:00",
    "20:00-22:00",
    "22:00-08:00",
)
# The windows offered on the public form: daytime and evening.
PUBLIC_SLOTS: tuple[str, ...] = SLOTS[:6]
# Safe days are weekdays, Monday 0 to Sunday 6; a request without days may be called any day.
EVERY_DAY: tuple[int, ...] = tuple(range(7))
WEEKDAYS: tuple[int, ...] = EVERY_DAY[:5]


def _safe_days(days: list[int] | None) -> tuple[int, ...] | list[int]:
    return EVERY_DAY if not days else days


def day_label(day: int) -> str:
    """The weekday's name in the reader's language, from CLDR: 'lundi', 'Monday', 'الاثنين'."""
    name = str(get_day_names("wide", locale=get_locale())[day])
    return name[:1].upper() + name[1:]


def parse_window(window: str) -> tuple[dt.time, dt.time]:
    """'20:00-08:00' -> (20:00, 08:00); raises ValueError on anything else."""
    start, _, end = window.partition("-")
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def window_label(window: str) -> str:
    """The window in the reader's own time format: '8:00 AM – 10:00 AM', '08:00 – 10:00'."""
    start, end = parse_window(window)
    return " – ".join(format_time(t, "short", rebase=False) for t in (start, end))


def window_mask(windows: list[str], days: list[int] | None = None) -> int:
    """The bits of these windows on these days (every day without days)."""
    slots = [i for i, slot in enumerate(SLOTS) if slot in windows]
    return sum(1 << (day * len(SLOTS) + i) for day in _safe_days(days) for i in slots)


def _contains(window: str, moment: dt.time) -> bool:
    start, end = parse_window(window)
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end  # overnight


def _start_day(window: str, local: dt.datetime) -> int:
    """The weekday on which the window holding this moment opened: 02:00 is still last night."""
    start, end = parse_window(window)
    if start > end and local.time() < end:
        return (local.weekday() - 1) % 7
    return local.weekday()


def _holds(window: str, local: dt.datetime, days: list[int] | None) -> bool:
    return _contains(window, local.time()) and _start_day(window, local) in _safe_days(days)


def slot_bit(now: dt.datetime) -> int:
    """The bit of the slot holding this moment, on its weekday, in Paris wall-clock time."""
    local = now.astimezone(PARIS)
    for i, slot in enumerate(SLOTS):
        if _contains(slot, local.time()):
            return 1 << (_start_day(slot, local) * len(SLOTS) + i)
    return 0


def is_safe_now(windows: list[str], now: dt.datetime, days: list[int] | None = None) -> bool:
    local = now.astimezone(PARIS)
    return any(_holds(w, local, days) for w in windows)


def next_safe_start(
    windows: list[str], now: dt.datetime, days: list[int] | None = None
) -> dt.datetime | None:
    """When the next window opens on a safe day, as an aware Paris datetime; None without windows.

    Computed on wall-clock dates, so a daylight-saving change moves nothing: 10:00 stays 10:00.
    """
    local_now = now.astimezone(PARIS)
    candidates = []
    for window in windows:
        start, _ = parse_window(window)
        for ahead in range(0, 9):
            day = local_now.date() + dt.timedelta(days=ahead)
            if day.weekday() not in _safe_days(days):
                continue
            # Through UTC and back, so that a start inside the spring gap moves to a real time.
            opening = dt.datetime.combine(day, start, tzinfo=PARIS)
            opening = opening.astimezone(dt.UTC).astimezone(PARIS)
            if opening > local_now:
                candidates.append(opening)
                break
    return min(candidates) if candidates else None


def _closing(windows: list[str], local: dt.datetime, days: list[int] | None) -> dt.datetime | None:
    """When the window holding this Paris moment closes, or None when none holds it."""
    ends = []
    for window in windows:
        if not _holds(window, local, days):
            continue
        start, end = parse_window(window)
        day = local.date()
        if start > end and local.time() >= start:
            day += dt.timedelta(days=1)
        closing = dt.datetime.combine(day, end, tzinfo=PARIS)
        ends.append(closing.astimezone(dt.UTC).astimezone(PARIS))
    return min(ends) if ends else None


def safe_until(
    windows: list[str], now: dt.datetime, days: list[int] | None = None
) -> dt.datetime | None:
    """When the safe time open now ends, or None when none is open.

    Windows that follow each other (22:00-08:00 then 08:00-10:00) are one stretch of safe time,
    so the social worker is not told to hurry when she need not.
    """
    closing = _closing(windows, now.astimezone(PARIS), days)
    for _ in windows:  # each window can lengthen the stretch once at most
        if closing is None:
            break
        later = _closing(windows, closing, days)
        if later is None or later <= closing:
            break
        closing = later
    return closing
