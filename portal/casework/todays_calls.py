"""A social worker's day: the calls she planned for today and the safe windows of her requests
that are still to open or still open today, in time order (Paris time)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.casework.windows import parse_window
from portal.core import db
from portal.core.timezone import PARIS
from portal.models import OPEN_STATUSES, CallbackRequest, Lane, StaffUser

MAX_REQUESTS = 500


@dataclass(frozen=True)
class TodaysCall:
    """One moment of her day: a planned call, or a safe window (with its closing time)."""

    at: dt.datetime  # aware, Paris time
    request: CallbackRequest
    planned: bool
    until: dt.datetime | None = None


def _windows_today(req: CallbackRequest, now: dt.datetime) -> list[TodaysCall]:
    today = now.date()
    if req.safe_days is not None and req.safe_days and today.weekday() not in req.safe_days:
        return []
    found = []
    for window in req.safe_windows:
        start, end = parse_window(window)
        opening = dt.datetime.combine(today, start, tzinfo=PARIS)
        closing_day = today if end > start else today + dt.timedelta(days=1)
        closing = dt.datetime.combine(closing_day, end, tzinfo=PARIS)
        if closing > now:
            found.append(TodaysCall(opening, req, planned=False, until=closing))
    return found


def _held_open_requests(user: StaffUser) -> list[CallbackRequest]:
    query = (
        select(CallbackRequest)
        .where(
            CallbackRequest.assigned_to_id == user.id,
            CallbackRequest.status.in_(OPEN_STATUSES),
            CallbackRequest.lane == Lane.QUEUE.value,
        )
        .options(joinedload(CallbackRequest.station))
        .order_by(CallbackRequest.created_at)
        .limit(MAX_REQUESTS)
    )
    return list(db.session().scalars(query))


def todays_calls(user: StaffUser, now: dt.datetime) -> list[TodaysCall]:
    """Her planned calls today and the safe windows of her requests left today, by time; a
    request past the last day she gave is left out (it must not be called)."""
    local = now.astimezone(PARIS)
    day: list[TodaysCall] = []
    for req in _held_open_requests(user):
        if req.do_not_call_after and local.date() > req.do_not_call_after:
            continue
        if req.next_attempt_at is not None:
            planned = req.next_attempt_at.replace(tzinfo=dt.UTC).astimezone(PARIS)
            if planned.date() == local.date():
                day.append(TodaysCall(planned, req, planned=True))
        if not req.sms_only:
            day.extend(_windows_today(req, local))
    return sorted(day, key=lambda call: (call.at, not call.planned, call.request.id))
