"""The interpreter booked for a request's call: when, with which service, and a note."""

from __future__ import annotations

import datetime as dt

from portal.casework import transitions
from portal.models import CallbackRequest, StaffUser
from portal.models.personal_data import opened, seal_into


def book(
    request: CallbackRequest,
    actor: StaffUser,
    when: dt.datetime,
    service: str,
    note: str | None,
    version: int,
) -> None:
    """Record an interpreter booked for the call: when, with which service, and a note kept
    encrypted (it may say who she is or what she lives through)."""
    transitions.check(request, actor, "interpreter", version)
    if when.tzinfo is None:
        raise transitions.CaseworkError("bad_time")
    request.interpreter_at = when.astimezone(dt.UTC).replace(tzinfo=None)
    request.interpreter_service = service.strip()[:80]
    seal_into(request, interpreter_note=note.strip() if note and note.strip() else None)
    transitions.audit_change("interpreter", actor, request, service=request.interpreter_service)


def booking_note(request: CallbackRequest) -> str | None:
    """The booking's note in clear, for the request page (whose opening is audited)."""
    return opened(request)["interpreter_note"]
