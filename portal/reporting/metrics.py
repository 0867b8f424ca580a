"""`/metrics` in the Prometheus text format, for the operators' monitoring; nothing personal.

A registry is built for each scrape: the service's state read from the database at that moment
(queue depth by lane and station, oldest waiting request, overdue first contacts, the "to check"
lane, the last purge), the time of the last good backup (the file PORTAL_BACKUP_STAMP names), and
the counters every server process adds to. Any worker gives the same answer. Only the addresses in
PORTAL_METRICS_ALLOW are answered (loopback by default); others get a plain 404.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from portal.casework import working_hours
from portal.core import db
from portal.models import OPEN_STATUSES, AuditEvent, CallbackRequest, Lane, Station
from portal.reporting import backup_stamp, counters, outbox

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)

NO_STATION = "coordinator"  # requests routed to the coordinator (no card, unknown station)
PURGE_ACTION = "retention.purge"


def _networks(setting: object) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    names = setting.split(",") if isinstance(setting, str) else list(setting)  # type: ignore[call-overload]
    return [
        ipaddress.ip_network(str(name).strip(), strict=False) for name in names if str(name).strip()
    ]


def allowed(address: str | None, setting: object) -> bool:
    """Whether this client address (after the trusted proxies, see security.py) may scrape."""
    if not address:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(client, ipaddress.IPv6Address) and client.ipv4_mapped:
        client = client.ipv4_mapped
    return any(client in network for network in _networks(setting))


@dataclass(frozen=True)
class NoticeCounts:
    """Notices of new requests waiting to be sent, and given up on."""

    pending: int
    failed: int


def notice_counts() -> NoticeCounts | None:
    """The notice outbox's counts, for the gauges portal_notices_pending and _failed: notices
    waiting for their first try, and those tried and failed (retried by send-notices)."""
    waiting = outbox.counts()
    return NoticeCounts(pending=waiting.pending, failed=waiting.failed)


@dataclass(frozen=True)
class ServiceState:
    """What the database says at one moment, in counts and times only."""

    depth: dict[tuple[str, str], int]
    oldest_waiting: dict[str, float]
    overdue: int
    last_purge: float
    notices: NoticeCounts | None


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _epoch(naive_utc: dt.datetime | None) -> float:
    return naive_utc.replace(tzinfo=dt.UTC).timestamp() if naive_utc else 0.0


def _open() -> Any:
    return CallbackRequest.status.in_(OPEN_STATUSES)


def _depth() -> dict[tuple[str, str], int]:
    rows = db.session().execute(
        select(CallbackRequest.lane, Station.code, func.count())
        .select_from(CallbackRequest)
        .outerjoin(Station, Station.id == CallbackRequest.station_id)
        .where(_open())
        .group_by(CallbackRequest.lane, Station.code)
    )
    depth = {(lane.value, NO_STATION): 0 for lane in Lane}
    for lane, station, count in rows:
        depth[(lane, station or NO_STATION)] = depth.get((lane, station or NO_STATION), 0) + count
    return depth


def _oldest_waiting(now: dt.datetime) -> dict[str, float]:
    """Per lane, how long the oldest open request nobody has called yet has waited."""
    rows = db.session().execute(
        select(CallbackRequest.lane, func.min(CallbackRequest.created_at))
        .where(_open(), CallbackRequest.first_attempt_at.is_(None))
        .group_by(CallbackRequest.lane)
    )
    oldest = {lane.value: 0.0 for lane in Lane}
    for lane, created in rows:
        if created is not None:
            oldest[lane] = max(0.0, (_naive_utc(now) - created).total_seconds())
    return oldest


def _overdue(now: dt.datetime) -> int:
    limit, hours = working_hours.settings(current_app.config)
    latest = _naive_utc(working_hours.latest_overdue_arrival(now, limit, hours))
    query = select(func.count()).where(
        _open(),
        CallbackRequest.first_attempt_at.is_(None),
        CallbackRequest.created_at < latest,
    )
    return int(db.session().execute(query).scalar_one())


def _last_purge() -> float:
    query = select(func.max(AuditEvent.created_at)).where(AuditEvent.action == PURGE_ACTION)
    return _epoch(db.session().execute(query).scalar())


def service_state(now: dt.datetime) -> ServiceState:
    """Read the counts in one go; raises SQLAlchemyError if the database does not answer."""
    return ServiceState(
        depth=_depth(),
        oldest_waiting=_oldest_waiting(now),
        overdue=_overdue(now),
        last_purge=_last_purge(),
        notices=notice_counts(),
    )


def _gauge(name: str, documentation: str, value: float) -> Metric:
    from prometheus_client.core import GaugeMetricFamily

    return GaugeMetricFamily(name, documentation, value=value)


def state_metrics(state: ServiceState) -> Iterator[Metric]:
    """The gauges read from the database."""
    from prometheus_client.core import GaugeMetricFamily

    depth = GaugeMetricFamily(
        "portal_queue_depth", "Open requests, by lane and station.", labels=("lane", "station")
    )
    for (lane, station), count in sorted(state.depth.items()):
        depth.add_metric((lane, station), count)
    yield depth
    oldest = GaugeMetricFamily(
        "portal_oldest_waiting_seconds",
        "Age of the oldest open request not yet called, by lane (0 when none waits).",
        labels=("lane",),
    )
    for lane, seconds in sorted(state.oldest_waiting.items()):
        oldest.add_metric((lane,), seconds)
    yield oldest
    to_check = sum(n for (lane, _s), n in state.depth.items() if lane == Lane.CHECK.value)
    yield _gauge("portal_to_check", 'Open requests in the "to check" lane.', to_check)
    yield _gauge(
        "portal_first_contact_overdue",
        "Open requests nobody tried to call within PORTAL_FIRST_CONTACT_HOURS working hours.",
        state.overdue,
    )
    yield _gauge(
        "portal_last_purge_timestamp_seconds",
        "When the retention purge last ran (Unix time; 0: never).",
        state.last_purge,
    )
    if state.notices is not None:
        yield _gauge("portal_notices_pending", "Notices waiting to be sent.", state.notices.pending)
        yield _gauge(
            "portal_notices_failed", "Notices tried and failed, tried again.", state.notices.failed
        )


class _Snapshot:
    """A collector that yields metrics already computed for this scrape."""

    def __init__(self, metrics: Iterable[Metric]) -> None:
        self.metrics = list(metrics)

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def scrape(now: dt.datetime, accept: str | None) -> tuple[bytes, str]:
    """The whole exposition, built afresh, in the format the scraper asked for (Accept), and
    its content type: the classic text format unless OpenMetrics is asked for."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.exposition import choose_encoder

    found: list[Metric] = []
    try:
        found.extend(state_metrics(service_state(now)))
        database_up = 1.0
    except SQLAlchemyError as exc:
        log.warning("metrics: database not answering: %s", type(exc).__name__)
        db.session().rollback()
        database_up = 0.0
    found.append(
        _gauge("portal_database_up", "1 when the database answered this scrape.", database_up)
    )
    stamp = backup_stamp.last_backup(current_app.config["BACKUP_STAMP"])
    found.append(
        _gauge(
            "portal_last_backup_timestamp_seconds",
            "When the last good backup finished, from PORTAL_BACKUP_STAMP (Unix time; 0: unknown).",
            stamp,
        )
    )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(found))
    counters.register_into(registry)
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


@bp.get("/metrics")
def metrics() -> Response:
    if not allowed(request.remote_addr, current_app.config["METRICS_ALLOW"]):
        abort(404)
    body, content_type = scrape(dt.datetime.now(dt.UTC), request.headers.get("Accept"))
    return Response(body, content_type=content_type)
