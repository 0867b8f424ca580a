"""The queue's counts: requests per status and first contacts overdue, capped so that counting
costs the same however long the table grows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, literal, select, union_all

from portal.casework import last_day, working_hours
from portal.casework.callback_queue import ONE_ENTRY_PER_NUMBER
from portal.casework.queue_scope import scope
from portal.core import db
from portal.models import OPEN_STATUSES, CallbackRequest, RequestStatus, StaffUser

# Counting every row would cost as much as the table is long: open requests are counted up to
# this cap ("1000+"), closed and cancelled ones over the last RECENT_DAYS days only.
COUNT_CAP = 1000
RECENT_DAYS = 30


def overdue_count(
    user: StaffUser,
    now: dt.datetime,
    limit_hours: float,
    hours: tuple[dt.time, dt.time],
    station_id: int | None = None,
) -> int:
    """Open requests nobody has tried to call within the working hours allowed, up to COUNT_CAP.

    A request past her last day is not overdue: it must not be called at all.
    """
    latest = working_hours.latest_overdue_arrival(now, limit_hours, hours)
    latest_utc = latest.astimezone(dt.UTC).replace(tzinfo=None)
    parts = []
    for status in OPEN_STATUSES:
        rows = scope(select(CallbackRequest.id), user, station_id).where(
            CallbackRequest.status == status,
            CallbackRequest.first_attempt_at.is_(None),
            CallbackRequest.created_at < latest_utc,
            last_day.still_callable(now),
        )
        parts.append(select(func.count()).select_from(rows.limit(COUNT_CAP).subquery()))
    return min(COUNT_CAP, sum(db.session().execute(p).scalar_one() for p in parts))


def status_counts(
    user: StaffUser, station_id: int | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Per status, what the queue's rows show: open entries (one line per number, nothing "to
    check") up to COUNT_CAP; ended requests of the last RECENT_DAYS days."""
    since = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    since -= dt.timedelta(days=RECENT_DAYS)
    counts = {s.value: 0 for s in RequestStatus}
    parts = []
    for status in counts:
        rows = scope(select(CallbackRequest.id), user, station_id)
        rows = rows.where(CallbackRequest.status == status)
        if status not in OPEN_STATUSES:
            rows = rows.where(CallbackRequest.closed_at >= since)
        else:
            rows = rows.where(*ONE_ENTRY_PER_NUMBER)
        capped = rows.limit(COUNT_CAP).subquery()
        parts.append(select(literal(status), func.count()).select_from(capped))
    counts.update(dict(db.session().execute(union_all(*parts)).all()))
    return counts
