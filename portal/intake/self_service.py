"""What a person can do with the code shown once on her confirmation: see where her request
stands, change her safe days, times and last day, or cancel it."""

from __future__ import annotations

import datetime as dt

from portal.casework.windows import window_mask
from portal.core import db
from portal.intake import confirmation_codes
from portal.intake.callbacks import erase_personal_data
from portal.models import CallbackRequest, RequestStatus, utcnow
from portal.staff import audit

# What she may learn of her request, and nothing more.
WAITING, ATTEMPTED, CLOSED = "waiting", "attempted", "closed"
# Who the audit log names for a change made with the code.
PERSON = "person (with her code)"


def find_by_code(code: str) -> CallbackRequest | None:
    """The request this code belongs to (or was written into); None for any other code."""
    return confirmation_codes.find(code)


def opened_request(request_id: int) -> CallbackRequest | None:
    """The request she opened with her code, while the code still stands (not erased)."""
    found = db.session().get(CallbackRequest, request_id)
    return found if found is not None and found.cancel_hash is not None else None


def public_status(request: CallbackRequest) -> str:
    """Waiting, a first attempt made, or closed: the only states she is told."""
    if not request.is_open:
        return CLOSED
    return ATTEMPTED if request.attempt_count or request.first_attempt_at else WAITING


def change_safe_times(
    request: CallbackRequest,
    windows: list[str],
    days: list[int] | None,
    do_not_call_after: dt.date | None,
) -> None:
    """New safe windows, days and last day, as the queue and the back office will read them."""
    request.safe_windows = list(windows)
    request.safe_days = days
    request.window_mask = window_mask(windows, days)
    request.do_not_call_after = do_not_call_after
    db.session().flush()
    audit.record("request.changed_by_person", target=f"request:{request.id}", actor_label=PERSON)


def cancel(request: CallbackRequest) -> None:
    """Cancel and erase at once; the code goes with the rest, so it opens nothing afterwards."""
    request.status = RequestStatus.CANCELLED.value
    request.closed_at = utcnow()
    erase_personal_data(request)
    db.session().flush()
    audit.record("request.cancelled_by_person", target=f"request:{request.id}", actor_label=PERSON)
