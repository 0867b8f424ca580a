"""The safety choices every request carries, whoever fills in the form (her, or an officer with
her): the safe days and the last day, with the same values and the same rules on both forms."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

from portal.casework.windows import EVERY_DAY, day_label
from portal.core.timezone import paris_today

DAY_VALUES = frozenset(str(day) for day in EVERY_DAY)
# A last day further away than this is a typing mistake, not a wish.
LAST_DAY_HORIZON = dt.timedelta(days=3 * 366)


class LastDayRefusal(enum.StrEnum):
    PAST = "past"
    TOO_FAR = "too_far"


def day_choices() -> list[tuple[str, str]]:
    """The weekdays as form choices, Monday first, named in the reader's language."""
    return [(str(day), day_label(day)) for day in EVERY_DAY]


def days_are_known(values: Iterable[str] | None) -> bool:
    """Whether every chosen value is a weekday of the list (none chosen: any day suits)."""
    return all(value in DAY_VALUES for value in values or [])


def chosen_days(values: Iterable[str] | None) -> list[int] | None:
    """The chosen weekdays (Monday 0), or None when any day suits her."""
    return sorted({int(value) for value in values or [] if value in DAY_VALUES}) or None


def last_day_refusal(day: dt.date | None) -> LastDayRefusal | None:
    """Why a last day cannot be kept: already gone, or too far to be meant; None when it can."""
    if day is None:
        return None
    if day < paris_today():
        return LastDayRefusal.PAST
    if day > paris_today() + LAST_DAY_HORIZON:
        return LastDayRefusal.TOO_FAR
    return None
