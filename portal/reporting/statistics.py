"""Anonymous statistics for the Département and the Préfecture, by station, period, source, call
language and outcome, with a total row.

Only anonymous columns are read, one row per request; nothing personal is ever decrypted. The
exact tallies made here are published only through `small_counts`; the periods are in `periods`.
"""

from __future__ import annotations

import datetime as dt
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
from portal.reporting.periods import Period, month_start, quarter_start

# How a request ended, as the statistics count it: the closing outcomes, plus two states.
OUTCOME_KEYS = (*(o.value for o in Outcome), "open")
NO_STATION = 0


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
