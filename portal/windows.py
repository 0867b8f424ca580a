"""Safe time windows chosen by the person, in Europe/Paris time, and when it is safe to call."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_time

from .timezone import PARIS

# Every window a request can hold, stored as "HH:MM-HH:MM"; bit i of a request's window_mask
# stands for SLOTS[i]. The slots cover the day without overlap, so each moment is in one slot.
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


def parse_window(window: str) -> tuple[dt.time, dt.time]:
    """'20:00-08:00' -> (20:00, 08:00); raises ValueError on anything else."""
    start, _, end = window.partition("-")
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def window_label(window: str) -> str:
    """The window in the reader's own time format: '8:00 AM – 10:00 AM', '08:00 – 10:00'."""
    start, end = parse_window(window)
    return " – ".join(format_time(t, "short", rebase=False) for t in (start, end))


def window_mask(windows: list[str]) -> int:
    return sum(1 << i for i, slot in enumerate(SLOTS) if slot in windows)


def _contains(window: str, moment: dt.time) -> bool:
    start, end = parse_window(window)
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end  # overnight


def slot_bit(now: dt.datetime) -> int:
    """The bit of the slot holding this moment, in Paris wall-clock time."""
    local = now.astimezone(PARIS).time()
    for i, slot in enumerate(SLOTS):
        if _contains(slot, local):
            return 1 << i
    return 0


def is_safe_now(windows: list[str], now: dt.datetime) -> bool:
    local = now.astimezone(PARIS).time()
    return any(_contains(w, local) for w in windows)


def next_safe_start(windows: list[str], now: dt.datetime) -> dt.datetime | None:
    """When the next window opens, as an aware Paris datetime; None without windows.

    Computed on wall-clock dates, so a daylight-saving change moves nothing: 10:00 stays 10:00.
    """
    local_now = now.astimezone(PARIS)
    candidates = []
    for window in windows:
        start, _ = parse_window(window)
        for days in range(0, 3):
            day = local_now.date() + dt.timedelta(days=days)
            # Through UTC and back, so that a start inside the spring gap moves to a real time.
            opening = dt.datetime.combine(day, start, tzinfo=PARIS)
            opening = opening.astimezone(dt.UTC).astimezone(PARIS)
            if opening > local_now:
                candidates.append(opening)
                break
    return min(candidates) if candidates else None


def _closing(windows: list[str], local: dt.datetime) -> dt.datetime | None:
    """When the window holding this Paris moment closes, or None when none holds it."""
    ends = []
    for window in windows:
        if not _contains(window, local.time()):
            continue
        start, end = parse_window(window)
        day = local.date()
        if start > end and local.time() >= start:
            day += dt.timedelta(days=1)
        closing = dt.datetime.combine(day, end, tzinfo=PARIS)
        ends.append(closing.astimezone(dt.UTC).astimezone(PARIS))
    return min(ends) if ends else None


def safe_until(windows: list[str], now: dt.datetime) -> dt.datetime | None:
    """When the safe time open now ends, or None when none is open.

    Windows that follow each other (22:00-08:00 then 08:00-10:00) are one stretch of safe time,
    so the social worker is not told to hurry when she need not.
    """
    closing = _closing(windows, now.astimezone(PARIS))
    for _ in windows:  # each window can lengthen the stretch once at most
        if closing is None:
            break
        later = _closing(windows, closing)
        if later is None or later <= closing:
            break
        closing = later
    return closing
