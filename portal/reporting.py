"""Anonymous statistics for the Département and the Préfecture: requests per station and month.

Counts come from SQL aggregation over anonymous columns only; nothing personal is ever read. What
is published (page, chart, CSV) writes any count below SMALL_COUNT as "< 5" and withholds shares
and medians computed from such counts, so that nobody can be singled out.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Integer, Subquery, and_, case, func, select

from . import db
from .models import (
    AttemptOutcome,
    CallAttempt,
    CallbackRequest,
    KnownToServices,
    Outcome,
    RequestSource,
    RequestStatus,
    Station,
)
from .timezone import PARIS

SMALL_COUNT = 5
DEFAULT_MONTHS = 12
MAX_MONTHS = 60
# How a request ended, as the statistics count it: the closing outcomes, plus two states.
OUTCOME_KEYS = (*(o.value for o in Outcome), "open")
NO_STATION = 0


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


@dataclass
class StationMonth:
    """Exact figures for one station and month; never published as they are."""

    station_id: int | None
    month: dt.date
    requests: int = 0
    urgent: int = 0
    referrals: int = 0
    reached: int = 0
    answered: int = 0  # closed requests where "known to social services" is yes or no
    known: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    hours_to_first_attempt: list[float] = field(default_factory=list)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _month_index(bounds: list[dt.datetime]) -> ColumnElement[int]:
    """The month a request arrived in, as an index into the period, decided in SQL."""
    created = CallbackRequest.created_at
    return case(*((created < bounds[i + 1], i) for i in range(len(bounds) - 1)), else_=-1)


def _outcome_flags() -> dict[str, ColumnElement[int]]:
    closed = CallbackRequest.status == RequestStatus.CLOSED.value
    cancelled = CallbackRequest.status == RequestStatus.CANCELLED.value
    flags = {o.value: _flag(and_(closed, CallbackRequest.outcome == o.value)) for o in Outcome}
    # Cancelled by the person on the public side, or closed as such by a social worker.
    flags[Outcome.CANCELLED.value] = _flag(
        cancelled | and_(closed, CallbackRequest.outcome == Outcome.CANCELLED.value)
    )
    flags["open"] = _flag(
        CallbackRequest.status.in_((RequestStatus.NEW.value, RequestStatus.IN_PROGRESS.value))
    )
    return flags


def _per_request(period: Period, station_id: int | None) -> Subquery:
    """One anonymous row per request of the period: its station, month and what we count."""
    bounds = period.utc_bounds()
    reached = select(CallAttempt.request_id).where(
        CallAttempt.outcome == AttemptOutcome.REACHED.value
    )
    closed = CallbackRequest.status == RequestStatus.CLOSED.value
    answered = CallbackRequest.known_to_services.in_(
        (KnownToServices.YES.value, KnownToServices.NO.value)
    )
    known_yes = KnownToServices.YES.value
    columns = {
        "urgent": _flag(CallbackRequest.urgent.is_(True)),
        "referral": _flag(CallbackRequest.source == RequestSource.REFERRAL.value),
        "reached": _flag(CallbackRequest.id.in_(reached)),
        "answered": _flag(and_(closed, answered)),
        "known": _flag(and_(closed, CallbackRequest.known_to_services == known_yes)),
        **{f"outcome_{key}": flag for key, flag in _outcome_flags().items()},
    }
    query = select(
        CallbackRequest.station_id.label("station_id"),
        _month_index(bounds).label("month"),
        CallbackRequest.created_at.label("created_at"),
        CallbackRequest.first_attempt_at.label("first_attempt_at"),
        *(expression.label(name) for name, expression in columns.items()),
    ).where(CallbackRequest.created_at >= bounds[0], CallbackRequest.created_at < bounds[-1])
    if station_id == NO_STATION:
        query = query.where(CallbackRequest.station_id.is_(None))
    elif station_id is not None:
        query = query.where(CallbackRequest.station_id == station_id)
    return query.subquery()


SUMMED = ("urgent", "referral", "reached", "answered", "known")


def station_months(period: Period, station_id: int | None = None) -> list[StationMonth]:
    """Exact figures per station and month; station_id 0 means requests without a station."""
    rows = _per_request(period, station_id)
    months = period.months()
    sums = [func.sum(rows.c[name]).cast(Integer) for name in SUMMED]
    outcome_sums = [func.sum(rows.c[f"outcome_{key}"]).cast(Integer) for key in OUTCOME_KEYS]
    query = select(rows.c.station_id, rows.c.month, func.count(), *sums, *outcome_sums)
    query = query.group_by(rows.c.station_id, rows.c.month)
    found: dict[tuple[int | None, int], StationMonth] = {}
    for station, month, count, *figures in db.session().execute(query):
        summed = dict(zip(SUMMED, figures[: len(SUMMED)], strict=True))
        found[(station, month)] = StationMonth(
            station_id=station,
            month=months[month],
            requests=count,
            urgent=summed["urgent"],
            referrals=summed["referral"],
            reached=summed["reached"],
            answered=summed["answered"],
            known=summed["known"],
            outcomes=dict(zip(OUTCOME_KEYS, figures[len(SUMMED) :], strict=True)),
        )
    _add_delays(found, rows)
    return list(found.values())


def _add_delays(found: dict[tuple[int | None, int], StationMonth], rows: Subquery) -> None:
    """Hours from arrival to the first call attempt; the median is taken in Python."""
    query = select(rows.c.station_id, rows.c.month, rows.c.created_at, rows.c.first_attempt_at)
    query = query.where(rows.c.first_attempt_at.is_not(None))
    for station, month, created, first in db.session().execute(query):
        hours = (first - created).total_seconds() / 3600
        found[(station, month)].hours_to_first_attempt.append(hours)


# What is published: None in a count means "< 5", None in a share or a median means withheld.


def published_count(count: int) -> int | None:
    return count if count >= SMALL_COUNT else None


def published_share(part: int, whole: int) -> int | None:
    """A percentage, withheld when it would reveal a count below the threshold (or its rest)."""
    if min(whole, part, whole - part) < SMALL_COUNT:
        return None
    return round(100 * part / whole)


def published_median(values: Sequence[float]) -> float | None:
    if len(values) < SMALL_COUNT:
        return None
    return round(statistics.median(values), 1)


@dataclass(frozen=True)
class PublishedRow:
    """One line of the page and of the CSV: safe to hand to the Préfecture."""

    station: str
    month: dt.date
    requests: int | None
    urgent_share: int | None
    referral_share: int | None
    median_hours: float | None
    reached_share: int | None
    known_share: int | None
    outcomes: dict[str, int | None]


def publish(figures: list[StationMonth], names: dict[int | None, str]) -> list[PublishedRow]:
    """Apply the small-count rule to every figure, in station then month order."""
    ordered = sorted(figures, key=lambda f: (names.get(f.station_id, ""), f.month))
    return [
        PublishedRow(
            station=names.get(f.station_id, ""),
            month=f.month,
            requests=published_count(f.requests),
            urgent_share=published_share(f.urgent, f.requests),
            referral_share=published_share(f.referrals, f.requests),
            median_hours=published_median(f.hours_to_first_attempt),
            reached_share=published_share(f.reached, f.requests),
            known_share=published_share(f.known, f.answered),
            outcomes={key: published_count(n) for key, n in f.outcomes.items()},
        )
        for f in ordered
    ]


def station_names(no_station: str) -> dict[int | None, str]:
    names: dict[int | None, str] = {None: no_station}
    stations = db.session().execute(select(Station.id, Station.name))
    names.update((ident, name) for ident, name in stations)
    return names


def monthly_totals(figures: list[StationMonth], period: Period) -> list[tuple[dt.date, int | None]]:
    """Requests per month over the stations shown, for the chart; small totals are hidden."""
    totals = dict.fromkeys(period.months(), 0)
    for f in figures:
        totals[f.month] += f.requests
    return [(month, published_count(total)) for month, total in totals.items()]


# The bar chart's geometry; the template draws it as SVG.


@dataclass(frozen=True)
class Bar:
    month: dt.date
    value: int | None
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    base: float
    top: int
    bars: list[Bar]


def bar_chart(
    totals: list[tuple[dt.date, int | None]], width: int = 720, height: int = 260
) -> Chart:
    """Bars scaled to the largest published total; a hidden total gets no bar."""
    top = max((v for _, v in totals if v is not None), default=0)
    left, bottom, head = 8.0, 40.0, 24.0
    slot = (width - 2 * left) / max(len(totals), 1)
    usable = height - bottom - head
    bars = []
    for n, (month, value) in enumerate(totals):
        bar_height = usable * value / top if value and top else 0.0
        x = left + n * slot + slot * 0.15
        bars.append(
            Bar(
                month,
                value,
                round(x, 1),
                round(height - bottom - bar_height, 1),
                round(slot * 0.7, 1),
                round(bar_height, 1),
            )
        )
    return Chart(width, height, height - bottom, top, bars)


def requests_per_station_and_status() -> dict[str, dict[str, int]]:
    """Requests per station code and status, every station listed; for monitoring."""
    rows = db.session().execute(
        select(Station.code, CallbackRequest.status, func.count())
        .select_from(CallbackRequest)
        .outerjoin(Station, CallbackRequest.station_id == Station.id)
        .group_by(Station.code, CallbackRequest.status)
    )
    per_station: dict[str, dict[str, int]] = {
        code: {} for code in db.session().scalars(select(Station.code).order_by(Station.code))
    }
    for code, status, count in rows:
        per_station.setdefault(code or "unrouted", {})[status] = count
    return per_station
