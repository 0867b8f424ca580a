"""When to call a request, as facts the pages put into words: her last day, her safe windows and
a planned call, in that order of precedence."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from flask import current_app

from portal.casework import last_day, working_hours
from portal.casework.windows import is_safe_now, next_safe_start, safe_until
from portal.models import CallbackRequest


class Safety(enum.StrEnum):
    PAST_LAST_DAY = "past_last_day"  # do not call any more: close it, or ask the coordinator
    SAFE_NOW = "safe_now"
    NEXT_WINDOW = "next_window"
    NO_WINDOW_LEFT = "no_window_left"  # her next window opens after her last day
    NO_WINDOW = "no_window"


@dataclass(frozen=True)
class CallTiming:
    """Whether and when a call may be made now; `planned` is a call planned by a social worker."""

    safety: Safety
    until: dt.datetime | None = None
    opening: dt.datetime | None = None
    last_day: dt.date | None = None
    planned: dt.datetime | None = None

    @property
    def callable(self) -> bool:
        return self.safety is not Safety.PAST_LAST_DAY

    @property
    def planned_ahead(self) -> bool:
        """A call planned in the future, which says when to call better than the next window."""
        return self.planned is not None and self.safety is not Safety.PAST_LAST_DAY


def safety_now(request: CallbackRequest, now: dt.datetime) -> CallTiming:
    """Her last day first, then whether a safe window is open, or when the next one opens."""
    last = request.do_not_call_after
    if last_day.is_past(request, now):
        return CallTiming(Safety.PAST_LAST_DAY, last_day=last)
    windows, days = request.safe_windows, request.safe_days
    if is_safe_now(windows, now, days):
        return CallTiming(Safety.SAFE_NOW, until=safe_until(windows, now, days), last_day=last)
    opening = next_safe_start(windows, now, days)
    if opening is None:
        return CallTiming(Safety.NO_WINDOW, last_day=last)
    if not last_day.allows(last, opening):
        return CallTiming(Safety.NO_WINDOW_LEFT, last_day=last)
    return CallTiming(Safety.NEXT_WINDOW, opening=opening, last_day=last)


def planned_call(request: CallbackRequest) -> dt.datetime | None:
    """The call a social worker planned, as an aware UTC time."""
    if request.next_attempt_at is None:
        return None
    return request.next_attempt_at.replace(tzinfo=dt.UTC)


def when_to_call(request: CallbackRequest, now: dt.datetime) -> CallTiming:
    """One answer to "when do I call?": her last day overrules everything; a planned call
    overrules the next window (it lies inside one)."""
    timing = safety_now(request, now)
    if not timing.callable:
        return timing
    return CallTiming(
        timing.safety, timing.until, timing.opening, timing.last_day, planned_call(request)
    )


def first_contact_overdue(request: CallbackRequest, now: dt.datetime) -> bool:
    """No call tried within the configured working hours of its arrival, while still callable."""
    if not request.is_open or request.first_attempt_at is not None:
        return False
    if last_day.is_past(request, now):
        return False
    limit, hours = working_hours.settings(current_app.config)
    return working_hours.first_contact_overdue(request.created_at, None, now, limit, hours)
