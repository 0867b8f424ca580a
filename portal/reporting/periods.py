"""The periods statistics are counted over: whole months in Europe/Paris time, or whole quarters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.core.timezone import PARIS

DEFAULT_MONTHS = 12
MAX_MONTHS = 60


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months in Europe/Paris time, from `first` to `last` included."""

    first: dt.date
    last: dt.date

    @classmethod
    def last_months(cls, today: dt.date, count: int = DEFAULT_MONTHS) -> Period:
        last = month_start(today)
        return cls(add_months(last, 1 - count), last)

    def months(self) -> list[dt.date]:
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        return [add_months(self.first, n) for n in range(max(count, 0))]

    def utc_bounds(self) -> list[dt.datetime]:
        """Where each month starts, as naive UTC like the stored times, and where the last ends."""
        starts = [*self.months(), add_months(self.last, 1)]
        return [
            dt.datetime(m.year, m.month, 1, tzinfo=PARIS).astimezone(dt.UTC).replace(tzinfo=None)
            for m in starts
        ]


def quarter_start(month: dt.date) -> dt.date:
    return dt.date(month.year, (month.month - 1) // 3 * 3 + 1, 1)


def whole_quarters(period: Period) -> Period:
    """The period widened to whole calendar quarters."""
    return Period(quarter_start(period.first), add_months(quarter_start(period.last), 2))


def period_groups(period: Period, quarterly: bool) -> list[dt.date]:
    months = period.months()
    return sorted({quarter_start(m) for m in months}) if quarterly else months
