"""Her last day ("do not call after"): the one place saying whether a request may be called.

Past that day (Paris time) a request never counts as callable: not "safe now", never ahead of a
callable one in any order of the queue, and no call can be planned for it. The queue reads the
same rule as SQL, the pages and the transitions as Python; both are written here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, or_

from portal.core.timezone import PARIS
from portal.models import CallbackRequest


def paris_day(moment: dt.datetime) -> dt.date:
    """The day a moment falls on in Paris, where she chose her last day."""
    return moment.astimezone(PARIS).date()


def allows(last_day: dt.date | None, moment: dt.datetime) -> bool:
    """Whether a call at this moment is on or before her last day (always, without one)."""
    return last_day is None or paris_day(moment) <= last_day


def is_past(request: CallbackRequest, now: dt.datetime) -> bool:
    """Whether her last day has gone by: the request must not be called any more."""
    return not allows(request.do_not_call_after, now)


def still_callable(now: dt.datetime) -> ColumnElement[bool]:
    """The same rule in SQL: requests whose last day, if any, is today or later."""
    return or_(
        CallbackRequest.do_not_call_after.is_(None),
        CallbackRequest.do_not_call_after >= paris_day(now),
    )


def past(now: dt.datetime) -> ColumnElement[bool]:
    """Requests whose last day has gone by, in SQL."""
    return CallbackRequest.do_not_call_after < paris_day(now)
