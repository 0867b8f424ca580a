"""Safe time windows chosen by the person, in Europe/Paris time."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_time

# The windows offered on the public form; stored as "HH:MM-HH:MM".
PUBLIC_SLOTS: tuple[str, ...] = (
    "08:00-10:00",
    "10:00-12:00",
    "12:00-14:00",
    "14:00-17:00",
    "17:00-20:00",
    "20:00-22:00",
)


def parse_window(window: str) -> tuple[dt.time, dt.time]:
    """'20:00-08:00' -> (20:00, 08:00); raises ValueError on anything else."""
    start, _, end = window.partition("-")
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def window_label(window: str) -> str:
    """The window in the reader's own time format: '8:00 AM – 10:00 AM', '08:00 – 10:00'."""
    start, end = parse_window(window)
    return " – ".join(format_time(t, "short", rebase=False) for t in (start, end))
