"""Anonymous statistics for the Département and the Préfecture, by station, period, source, call
language and outcome, with a total row.

Only anonymous columns are read, one row per request; nothing personal is ever decrypted. What is
published withholds any count from 1 to SMALL_COUNT - 1 (zero is shown: it singles nobody out), a
second count when a single withheld one could be worked out from the total, and a median computed
from fewer than SMALL_COUNT values.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from portal.casework import working_hours
from portal.casework.interpreting import needs_interpreter
from portal.core import db
from portal.core.timezone import PARIS
from portal.models import (
    AttemptOutcome,
    CallAttempt,
    CallbackRequest,
    KnownToServices,
    Outcome,
    RequestSource,
    RequestStatus,
    Station,
)

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


def quarter_start(month: dt.date) -> dt.date:
    return dt.date(month.year, (month.month - 1) // 3 * 3 + 1, 1)


def whole_quarters(period: Period) -> Period:
    """The period widened to whole calendar quarters."""
    return Period(quarter_start(period.first), add_months(quarter_start(period.last), 2))


def _paris(moment: dt.datetime) -> dt.datetime:
    """Stored times are naive UTC."""
    return moment.replace(tzinfo=dt.UTC).astimezone(PARIS)


def working_hours_between(
    start: dt.datetime, end: dt.datetime, hours: tuple[dt.time, dt.time]
) -> float:
    """Working hours between two stored moments (weekends and French holidays left out)."""
    return working_hours.working_time_between(start, end, hours).total_seconds() / 3600


@dataclass(frozen=True)
class FirstContactRule:
    """How many working hours a first call may take, and what the working hours are."""

    limit_hours: float
    hours: tuple[dt.time, dt.time]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FirstContactRule:
        return cls(*working_hours.settings(config))


# --- One anonymous row per request, then tallies per group. ---


@dataclass(frozen=True)
class RequestFacts:
    """What the statistics know of one request: nothing that could name the person."""

    station_id: int | None
    month: dt.date
    source: str
    call_language: str
    outcome: str
    urgent: bool
    reached: bool
    # Asked at closing: "yes", "no" or "unknown"; None while open.
    known_to_services: str | None
    # Working hours from arrival to the first call attempt, None before any attempt.
    hours_to_first_attempt: float | None
    overdue: bool
    interpreter_needed: bool = False
    interpreter_booked: bool = False


COUNTS = (
    "requests",
    "urgent",
    "referrals",
    "reached",
    "attempted",
    "overdue",
    "known",
    "not_known",
    "interpreter_needed",
    "interpreter_booked",
)


@dataclass
class Tally:
    """Exact figures for one group of requests; never published as they are."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    hours: list[float] = field(default_factory=list)

    def add(self, facts: RequestFacts) -> None:
        flags = {
            "requests": True,
            "urgent": facts.urgent,
            "referrals": facts.source == RequestSource.REFERRAL.value,
            "reached": facts.reached,
            "attempted": facts.hours_to_first_attempt is not None,
            "overdue": facts.overdue,
            "known": facts.known_to_services == KnownToServices.YES.value,
            "not_known": facts.known_to_services == KnownToServices.NO.value,
            "interpreter_needed": facts.interpreter_needed,
            "interpreter_booked": facts.interpreter_booked,
        }
        for name, flag in flags.items():
            self.counts[name] += int(flag)
        if facts.hours_to_first_attempt is not None:
            self.hours.append(facts.hours_to_first_attempt)


def _outcome_key(status: str, outcome: str | None) -> str:
    """How a request ended: a closing outcome, "cancelled" (by her or by staff), or "open"."""
    if status == RequestStatus.CANCELLED.value:
        return Outcome.CANCELLED.value
    if status == RequestStatus.CLOSED.value and outcome in OUTCOME_KEYS:
        return str(outcome)
    return "open"


def _overdue(
    created: dt.datetime,
    first: dt.datetime | None,
    open_now: bool,
    now: dt.datetime,
    rule: FirstContactRule,
) -> bool:
    """A first attempt later than the rule allows, or none yet on an open request past it."""
    if first is None and not open_now:
        return False
    waited = working_hours_between(created, first or now, rule.hours)
    return waited > rule.limit_hours


def request_facts(
    period: Period, station_id: int | None, now: dt.datetime, rule: FirstContactRule
) -> list[RequestFacts]:
    """The anonymous facts of every request that arrived in the period (station 0: none)."""
    bounds = period.utc_bounds()
    reached = select(CallAttempt.request_id).where(
        CallAttempt.outcome == AttemptOutcome.REACHED.value
    )
    r = CallbackRequest
    query = select(
        r.station_id,
        r.created_at,
        r.first_attempt_at,
        r.source,
        r.call_language,
        r.status,
        r.outcome,
        r.urgent,
        r.known_to_services,
        r.interpreter_at,
        r.id.in_(reached).label("reached"),
    ).where(r.created_at >= bounds[0], r.created_at < bounds[-1])
    if station_id == NO_STATION:
        query = query.where(r.station_id.is_(None))
    elif station_id is not None:
        query = query.where(r.station_id == station_id)
    naive_now = now.astimezone(dt.UTC).replace(tzinfo=None)
    return [_facts(row, naive_now, rule) for row in db.session().execute(query)]


def _facts(row: Any, now: dt.datetime, rule: FirstContactRule) -> RequestFacts:
    first = row.first_attempt_at
    open_now = row.status in (RequestStatus.NEW.value, RequestStatus.IN_PROGRESS.value)
    closed = row.status == RequestStatus.CLOSED.value
    return RequestFacts(
        station_id=row.station_id,
        month=month_start(_paris(row.created_at).date()),
        source=row.source,
        call_language=row.call_language,
        outcome=_outcome_key(row.status, row.outcome),
        urgent=bool(row.urgent),
        reached=bool(row.reached),
        known_to_services=row.known_to_services if closed else None,
        hours_to_first_attempt=None
        if first is None
        else working_hours_between(row.created_at, first, rule.hours),
        overdue=_overdue(row.created_at, first, open_now, now, rule),
        interpreter_needed=needs_interpreter(row.call_language),
        interpreter_booked=row.interpreter_at is not None,
    )


BREAKDOWNS = ("station", "period", "source", "call_language", "outcome")


@dataclass(frozen=True)
class Breakdown:
    """Exact tallies per group of one dimension, every expected group listed, zeros included."""

    dimension: str
    groups: dict[Any, Tally]


def _group_of(facts: RequestFacts, dimension: str, quarterly: bool) -> Any:
    if dimension == "station":
        return facts.station_id if facts.station_id is not None else NO_STATION
    if dimension == "period":
        return quarter_start(facts.month) if quarterly else facts.month
    return getattr(facts, dimension)


def breakdowns(
    facts: list[RequestFacts], expected: Mapping[str, Sequence[Any]], quarterly: bool = False
) -> tuple[list[Breakdown], Tally]:
    """One breakdown per dimension (groups in the expected order, then any other seen) and the
    total over every request."""
    total = Tally()
    found = []
    for dimension in BREAKDOWNS:
        groups: dict[Any, Tally] = {key: Tally() for key in expected.get(dimension, ())}
        for item in facts:
            groups.setdefault(_group_of(item, dimension, quarterly), Tally()).add(item)
        found.append(Breakdown(dimension, groups))
    for item in facts:
        total.add(item)
    return found, total


def period_groups(period: Period, quarterly: bool) -> list[dt.date]:
    months = period.months()
    return sorted({quarter_start(m) for m in months}) if quarterly else months


# --- What is published. ---


@dataclass(frozen=True)
class PublishedRow:
    """One line of the page and of the CSV, safe to hand to the Préfecture: None is withheld."""

    group: Any
    counts: dict[str, int | None]
    median_hours: float | None
    # A median exists but is withheld (fewer than SMALL_COUNT values), rather than no call yet.
    median_withheld: bool
    suppressed: bool


def published_count(count: int) -> int | None:
    return None if 0 < count < SMALL_COUNT else count


def published_median(values: Sequence[float]) -> float | None:
    if len(values) < SMALL_COUNT:
        return None
    return round(statistics.median(values), 1)


def _withhold_second(column: list[int | None], exact: list[int], total: int | None) -> None:
    """A single withheld count would be the total minus the rest: withhold the next smallest."""
    if total is None or column.count(None) != 1:
        return
    shown = [(exact[i], i) for i, v in enumerate(column) if v is not None and v > 0]
    if shown:
        column[min(shown)[1]] = None


def publish(breakdown: Breakdown, total: Tally) -> tuple[list[PublishedRow], PublishedRow]:
    """Apply the small-count rules to every group and to the total row."""
    keys = list(breakdown.groups)
    tallies = [breakdown.groups[k] for k in keys]
    total_counts = {name: published_count(total.counts[name]) for name in COUNTS}
    columns: dict[str, list[int | None]] = {}
    for name in COUNTS:
        exact = [t.counts[name] for t in tallies]
        column = [published_count(n) for n in exact]
        _withhold_second(column, exact, total_counts[name])
        columns[name] = column
    rows = [_row(key, {n: columns[n][i] for n in COUNTS}, tallies[i]) for i, key in enumerate(keys)]
    return rows, _row(None, total_counts, total)


def _row(group: Any, counts: dict[str, int | None], tally: Tally) -> PublishedRow:
    median = published_median(tally.hours)
    median_withheld = median is None and bool(tally.hours)
    return PublishedRow(
        group, counts, median, median_withheld, None in counts.values() or median_withheld
    )


def station_names(no_station: str) -> dict[int, str]:
    names: dict[int, str] = {NO_STATION: no_station}
    stations = db.session().execute(select(Station.id, Station.name))
    names.update((ident, name) for ident, name in stations)
    return names


def station_order(station_id: int | None) -> list[int]:
    """The stations a breakdown lists even without requests: the active ones, or the one asked."""
    if station_id is not None:
        return [station_id]
    query = select(Station.id).where(Station.active).order_by(Station.name)
    return list(db.session().scalars(query))


# The bar chart's geometry; the template draws it as SVG.


@dataclass(frozen=True)
class Bar:
    label: str
    sublabel: str
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
    totals: list[tuple[str, str, int | None]], width: int = 720, height: int = 260
) -> Chart:
    """Bars scaled to the largest published total; a withheld total gets no bar."""
    top = max((v for _, _, v in totals if v is not None), default=0)
    left, bottom, head = 8.0, 40.0, 24.0
    slot = (width - 2 * left) / max(len(totals), 1)
    usable = height - bottom - head
    bars = []
    for n, (label, sublabel, value) in enumerate(totals):
        bar_height = usable * value / top if value and top else 0.0
        x = left + n * slot + slot * 0.15
        bars.append(
            Bar(
                label,
                sublabel,
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
