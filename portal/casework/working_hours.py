"""Working hours in Europe/Paris: how long a request waited for its first call, weekends and
French public holidays left out, so that a request sent on Friday evening is not "late" on Monday
morning."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

import holidays

from portal.core.timezone import PARIS

DEFAULT_START = dt.time(9, 0)
DEFAULT_END = dt.time(17, 0)


@functools.lru_cache(maxsize=16)
def _french_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", years=year)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, and not a French public holiday."""
    return day.weekday() < 5 and day not in _french_holidays(day.year)


@functools.lru_cache(maxsize=64)
def parse_hours(text: str) -> tuple[dt.time, dt.time]:
    """'09:00-17:00' -> (09:00, 17:00); the end must come after the start."""
    start_text, _, end_text = text.partition("-")
    start, end = dt.time.fromisoformat(start_text.strip()), dt.time.fromisoformat(end_text.strip())
    if end <= start:
        raise ValueError(f"working hours end before they start: {text!r}")
    return start, end


def _as_paris(moment: dt.datetime) -> dt.datetime:
    """Stored times are naive UTC; aware ones are converted."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(PARIS)


def _day_span(day: dt.date, hours: tuple[dt.time, dt.time]) -> tuple[dt.datetime, dt.datetime]:
    start, end = hours
    return dt.datetime.combine(day, start, tzinfo=PARIS), dt.datetime.combine(
        day, end, tzinfo=PARIS
    )


def working_time_between(
    start: dt.datetime,
    end: dt.datetime,
    hours: tuple[dt.time, dt.time] = (DEFAULT_START, DEFAULT_END),
) -> dt.timedelta:
    """The working time between two moments (naive UTC or aware): zero when end <= start."""
    begin, finish = _as_paris(start), _as_paris(end)
    total = dt.timedelta()
    day = begin.date()
    while day <= finish.date():
        if is_working_day(day):
            opens, closes = _day_span(day, hours)
            lo, hi = max(opens, begin), min(closes, finish)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total


def deadline_after(
    start: dt.datetime,
    working_hours: float,
    hours: tuple[dt.time, dt.time] = (DEFAULT_START, DEFAULT_END),
) -> dt.datetime:
    """The moment (aware, Paris) when `working_hours` of working time have passed since start."""
    left = dt.timedelta(hours=working_hours)
    moment = _as_paris(start)
    day = moment.date()
    while True:
        if is_working_day(day):
            opens, closes = _day_span(day, hours)
            lo = max(opens, moment)
            if closes > lo:
                if closes - lo >= left:
                    return lo + left
                left -= closes - lo
        day += dt.timedelta(days=1)


def settings(config: Mapping[str, Any]) -> tuple[float, tuple[dt.time, dt.time]]:
    """The first-contact delay and the working hours, from the app's configuration."""
    return float(config["FIRST_CONTACT_HOURS"]), parse_hours(str(config["WORKING_HOURS"]))


def first_contact_overdue(
    created_at: dt.datetime,
    first_attempt_at: dt.datetime | None,
    now: dt.datetime,
    limit_hours: float,
    hours: tuple[dt.time, dt.time] = (DEFAULT_START, DEFAULT_END),
) -> bool:
    """Whether no call was tried within `limit_hours` working hours of the request's arrival."""
    deadline = deadline_after(created_at, limit_hours, hours)
    reached = _as_paris(first_attempt_at) if first_attempt_at else _as_paris(now)
    return reached > deadline


def time_to_first_contact(
    created_at: dt.datetime,
    first_attempt_at: dt.datetime | None,
    hours: tuple[dt.time, dt.time] = (DEFAULT_START, DEFAULT_END),
) -> dt.timedelta | None:
    """Working time from arrival to the first call attempt; None before any attempt."""
    if first_attempt_at is None:
        return None
    return working_time_between(created_at, first_attempt_at, hours)


def latest_overdue_arrival(
    now: dt.datetime,
    limit_hours: float,
    hours: tuple[dt.time, dt.time] = (DEFAULT_START, DEFAULT_END),
) -> dt.datetime:
    """The latest arrival that is overdue by now: `limit_hours` of working time back from now.

    A request that arrived before it, and was never called, is overdue; one after it is not yet.
    """
    left = dt.timedelta(hours=limit_hours)
    moment = _as_paris(now)
    day = moment.date()
    while True:
        if is_working_day(day):
            opens, closes = _day_span(day, hours)
            hi = min(closes, moment)
            if hi > opens:
                if hi - opens >= left:
                    return hi - left
                left -= hi - opens
        day -= dt.timedelta(days=1)
