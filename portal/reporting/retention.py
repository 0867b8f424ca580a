"""Retention: erase the personal data of requests closed longer ago than the retention period.

The anonymous fields (station, dates, status, outcome, urgency, source, known to services, attempt
outcomes) stay for statistics. Open requests are never touched: they stay in the queue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm.exc import StaleDataError

from portal.core import db
from portal.intake.callbacks import erase_personal_data
from portal.models import CallAttempt, CallbackRequest, RequestStatus
from portal.models.personal_data import erased_values, holds_personal_data
from portal.staff import audit

BATCH_SIZE = 200
# A batch that meets a concurrent change is read again; the change wins, the purge waits.
MAX_RETRIES = 5


@dataclass(frozen=True)
class PurgeReport:
    """What one purge run did, with no personal data."""

    erased: int
    cutoff: dt.datetime
    retention_days: int


def retention_days() -> int:
    """The configured retention period in days; a nonsense value stops the purge."""
    try:
        days = int(current_app.config["RETENTION_DAYS"])
    except (TypeError, ValueError) as exc:
        raise ValueError("RETENTION_DAYS must be a whole number of days") from exc
    if days < 1:
        raise ValueError("RETENTION_DAYS must be at least 1")
    return days


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _has_personal_data() -> ColumnElement[bool]:
    note_left = exists().where(
        CallAttempt.request_id == CallbackRequest.id, holds_personal_data(CallAttempt)
    )
    return or_(holds_personal_data(CallbackRequest), note_left)


def due_for_purge(cutoff: dt.datetime) -> ColumnElement[bool]:
    """Closed before the cutoff, or cancelled (erased at once), and not yet fully erased."""
    closed_long_ago = and_(
        CallbackRequest.status == RequestStatus.CLOSED.value,
        CallbackRequest.closed_at.is_not(None),
        CallbackRequest.closed_at <= cutoff,
    )
    cancelled = CallbackRequest.status == RequestStatus.CANCELLED.value
    return and_(
        or_(closed_long_ago, cancelled),
        or_(CallbackRequest.purged_at.is_(None), _has_personal_data()),
    )


def _erase_batch(cutoff: dt.datetime, now: dt.datetime) -> int:
    """Erase one batch in one transaction; the number erased, 0 when none is left."""
    session = db.session()
    found = session.scalars(
        select(CallbackRequest)
        .where(due_for_purge(cutoff))
        .order_by(CallbackRequest.id)
        .limit(BATCH_SIZE)
    ).all()
    if not found:
        return 0
    for request in found:
        erase_personal_data(request)
        request.purged_at = now
    ids = [r.id for r in found]
    session.execute(
        update(CallAttempt)
        .where(CallAttempt.request_id.in_(ids))
        .values(erased_values(CallAttempt))
    )
    # A batch job: each batch commits on its own, so that what is erased stays erased if a
    # later batch fails, and no long transaction holds the requests a social worker is opening.
    session.commit()
    return len(found)


def _erase_batch_retrying(cutoff: dt.datetime, now: dt.datetime) -> int:
    for _attempt in range(MAX_RETRIES):
        try:
            return _erase_batch(cutoff, now)
        except StaleDataError:
            # Someone changed one of these requests meanwhile (a reopening): read them again.
            db.session().rollback()
    raise RuntimeError("requests kept changing during the purge; run it again later")


def purge_expired(now: dt.datetime, days: int | None = None) -> PurgeReport:
    """Erase what the retention period no longer allows us to keep, and audit the run."""
    days = retention_days() if days is None else days
    now = _naive_utc(now)
    cutoff = now - dt.timedelta(days=days)
    erased = 0
    while count := _erase_batch_retrying(cutoff, now):
        erased += count
    audit.record(
        "retention.purge",
        target="callback_request",
        erased=erased,
        retention_days=days,
        cutoff=cutoff.isoformat(timespec="seconds"),
    )
    # The run's audit event goes with its last batch, whoever started the run.
    db.session().commit()
    return PurgeReport(erased=erased, cutoff=cutoff, retention_days=days)
