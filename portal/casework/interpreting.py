"""Calls in another language than French: the one rule for "interpreter needed", and the
interpreter booked for a call."""

from __future__ import annotations

import datetime as dt

from portal.casework import transitions
from portal.core import crypto
from portal.models import CallbackRequest, StaffUser

# The language the social workers speak; any other call language needs an interpreter.
WORKING_LANGUAGE = "fr"


def needs_interpreter(call_language: str | None) -> bool:
    """True when the call is to be held in a language other than French (easy-to-read French
    is French)."""
    if not call_language:
        return False
    return call_language.split("-")[0].lower() != WORKING_LANGUAGE


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
    request.interpreter_note_enc = crypto.encrypt(note.strip()) if note and note.strip() else None
    transitions.audit_change("interpreter", actor, request, service=request.interpreter_service)


def booking_note(request: CallbackRequest) -> str | None:
    """The booking's note in clear, for the request page (whose opening is audited)."""
    return crypto.decrypt(request.interpreter_note_enc)
