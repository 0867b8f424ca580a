"""Safe windows: when a social worker may call, always in Paris wall-clock time.

The daylight-saving changes of 2026 in Europe/Paris are on Sunday 29 March (02:00 becomes 03:00)
and Sunday 25 October (03:00 becomes 02:00).
"""

from __future__ import annotations

import datetime as dt

import pytest

from portal.casework.windows import (
    SLOTS,
    is_safe_now,
    next_safe_start,
    safe_until,
    slot_bit,
    window_mask,
)
from portal.core.timezone import PARIS

NIGHT = "22:00-08:00"
MORNING = "08:00-10:00"
LATE_MORNING = "10:00-12:00"
AFTERNOON = "14:00-17:00"


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("moment", "safe"),
    [
        (paris(2026, 6, 10, 21, 59), False),
        (paris(2026, 6, 10, 22, 0), True),
        (paris(2026, 6, 10, 23, 30), True),
        (paris(2026, 6, 11, 0, 0), True),
        (paris(2026, 6, 11, 7, 59), True),
        (paris(2026, 6, 11, 8, 0), False),
        (paris(2026, 6, 11, 12, 0), False),
    ],
)
def test_a_night_window_spans_midnight(moment: dt.datetime, safe: bool) -> None:
    assert is_safe_now([NIGHT], moment) is safe
    assert bool(slot_bit(moment) & window_mask([NIGHT])) is safe


def test_safe_now_is_read_in_paris_time_whatever_the_zone_of_the_moment() -> None:
    # 21:30 UTC in June is 23:30 in Paris: inside the night window.
    assert is_safe_now([NIGHT], utc(2026, 6, 10, 21, 30))
    # 07:30 UTC in June is 09:30 in Paris: the morning window, not the night one.
    assert not is_safe_now([NIGHT], utc(2026, 6, 11, 7, 30))
    assert is_safe_now([MORNING], utc(2026, 6, 11, 7, 30))


def test_the_next_safe_start_crosses_midnight() -> None:
    evening = paris(2026, 6, 10, 23, 30)
    assert next_safe_start([MORNING], evening) == paris(2026, 6, 11, 8, 0)
    afternoon = paris(2026, 6, 10, 15, 0)
    assert next_safe_start([NIGHT], afternoon) == paris(2026, 6, 10, 22, 0)
    assert next_safe_start([NIGHT, MORNING], afternoon) == paris(2026, 6, 10, 22, 0)
    # Just after the morning window closed: tomorrow morning, not in the past.
    assert next_safe_start([MORNING], paris(2026, 6, 10, 10, 0)) == paris(2026, 6, 11, 8, 0)


def test_no_window_means_no_next_start_and_never_safe() -> None:
    assert next_safe_start([], paris(2026, 6, 10, 12, 0)) is None
    assert not is_safe_now([], paris(2026, 6, 10, 12, 0))
    assert safe_until([], paris(2026, 6, 10, 12, 0)) is None


@pytest.mark.parametrize(
    ("evening", "opening_utc"),
    [
        # The night before the spring change: 08:00 on Sunday is summer time, 06:00 UTC.
        (paris(2026, 3, 28, 22, 0), utc(2026, 3, 29, 6, 0)),
        # The day before: still winter time, 08:00 is 07:00 UTC.
        (paris(2026, 3, 27, 22, 0), utc(2026, 3, 28, 7, 0)),
        # The night before the autumn change: 08:00 on Sunday is winter time, 07:00 UTC.
        (paris(2026, 10, 24, 22, 0), utc(2026, 10, 25, 7, 0)),
        (paris(2026, 10, 23, 22, 0), utc(2026, 10, 24, 6, 0)),
    ],
)
def test_a_window_opens_at_the_same_local_hour_across_a_clock_change(
    evening: dt.datetime, opening_utc: dt.datetime
) -> None:
    opening = next_safe_start([MORNING], evening)
    assert opening == opening_utc
    assert opening is not None and opening.astimezone(PARIS).time() == dt.time(8, 0)


@pytest.mark.parametrize(
    ("moment", "safe"),
    [
        # Saturday 28 March, winter time (UTC+1): 08:30 UTC is 09:30 local, 09:00 UTC is 10:00.
        (utc(2026, 3, 28, 8, 30), True),
        (utc(2026, 3, 28, 9, 0), False),
        # Sunday 29 March, summer time (UTC+2): 07:30 UTC is 09:30, 08:30 UTC is 10:30 local.
        (utc(2026, 3, 29, 7, 30), True),
        (utc(2026, 3, 29, 8, 30), False),
        (utc(2026, 3, 29, 5, 30), False),
        (utc(2026, 3, 29, 6, 0), True),
        # Saturday 24 October, summer time: 05:30 UTC is 07:30 local, 06:00 UTC is 08:00.
        (utc(2026, 10, 24, 5, 30), False),
        (utc(2026, 10, 24, 6, 0), True),
        # Sunday 25 October, winter time: 06:30 UTC is 07:30 local, 07:00 UTC is 08:00.
        (utc(2026, 10, 25, 6, 30), False),
        (utc(2026, 10, 25, 7, 0), True),
        (utc(2026, 10, 25, 8, 59), True),
        (utc(2026, 10, 25, 9, 0), False),
    ],
)
def test_safe_now_follows_the_local_clock_on_both_sides_of_a_change(
    moment: dt.datetime, safe: bool
) -> None:
    assert is_safe_now([MORNING], moment) is safe
    assert bool(slot_bit(moment) & window_mask([MORNING])) is safe


def test_the_night_of_a_clock_change_is_safe_throughout() -> None:
    # Every quarter of an hour from 22:00 to 08:00 local on both nights, in UTC steps.
    for start, end in (
        (utc(2026, 3, 28, 21, 0), utc(2026, 3, 29, 6, 0)),
        (utc(2026, 10, 24, 20, 0), utc(2026, 10, 25, 7, 0)),
    ):
        moment = start
        while moment < end:
            assert is_safe_now([NIGHT], moment), moment
            moment += dt.timedelta(minutes=15)
        assert not is_safe_now([NIGHT], end)


def test_safe_until_is_the_end_of_the_open_window() -> None:
    assert safe_until([AFTERNOON], paris(2026, 6, 10, 15, 0)) == paris(2026, 6, 10, 17, 0)
    assert safe_until([AFTERNOON], paris(2026, 6, 10, 18, 0)) is None
    # Late evening: the night window closes tomorrow morning.
    assert safe_until([NIGHT], paris(2026, 6, 10, 23, 30)) == paris(2026, 6, 11, 8, 0)
    # Early morning: it closes this morning.
    assert safe_until([NIGHT], paris(2026, 6, 11, 7, 0)) == paris(2026, 6, 11, 8, 0)


def test_safe_until_runs_through_windows_that_follow_each_other() -> None:
    assert safe_until([MORNING, LATE_MORNING], paris(2026, 6, 10, 9, 0)) == paris(
        2026, 6, 10, 12, 0
    )
    assert safe_until([NIGHT, MORNING], paris(2026, 6, 10, 23, 0)) == paris(2026, 6, 11, 10, 0)
    # A gap ends the stretch.
    assert safe_until([MORNING, AFTERNOON], paris(2026, 6, 10, 9, 0)) == paris(2026, 6, 10, 10, 0)


def test_safe_until_across_the_spring_change_is_local_eight_oclock() -> None:
    until = safe_until([NIGHT], utc(2026, 3, 28, 23, 0))
    assert until == utc(2026, 3, 29, 6, 0)
    until = safe_until([NIGHT], utc(2026, 10, 24, 23, 0))
    assert until == utc(2026, 10, 25, 7, 0)


def test_each_moment_of_the_day_is_in_exactly_one_slot() -> None:
    moment = paris(2026, 6, 10, 0, 0)
    for _ in range(24 * 4):
        bits = [bool(slot_bit(moment) & window_mask([slot])) for slot in SLOTS]
        assert bits.count(True) == 1, moment
        moment += dt.timedelta(minutes=15)
