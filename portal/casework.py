"""What social workers do with a request, as explicit transitions; each one is audited.

Every action names the version of the request the person was looking at. If someone else changed
it since, the action is refused (Conflict) and the person sees the fresh state: no lost update.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from . import access, audit, crypto, db
from .access import can_work_on
from .models import (
    AttemptOutcome,
    CallAttempt,
    CallbackRequest,
    KnownToServices,
    Outcome,
    RequestStatus,
    StaffUser,
    utcnow,
)
from .timezone import PARIS
from .windows import is_safe_now

IN_PROGRESS = RequestStatus.IN_PROGRESS.value
NEW = RequestStatus.NEW.value
CLOSED = RequestStatus.CLOSED.value


class CaseworkError(Exception):
    """An action refused; `code` names the reason for the message shown."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Conflict(CaseworkError):
    def __init__(self) -> None:
        super().__init__("conflict")


def _check(request: CallbackRequest, actor: StaffUser, action: str, version: int) -> None:
    """Refuse what `access` does not allow; a stale page is a Conflict, once the person is known."""
    reason = access.refusal(request, actor, action)
    if reason in access.WHO_REFUSALS:
        raise CaseworkError(reason)
    if request.version != version:
        raise Conflict()
    if reason is not None:
        raise CaseworkError(reason)


def _flush_change() -> None:
    """Write the change before anything else, so that a concurrent one is caught as a Conflict.

    Without this, the audit write would flush it and the version clash would escape as an error.
    """
    session = db.session()
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict() from exc


def _audit(action: str, actor: StaffUser, request: CallbackRequest, **details: Any) -> None:
    _flush_change()
    audit.record(f"request.{action}", actor, target=f"request:{request.id}", **details)


def take(request: CallbackRequest, actor: StaffUser, version: int) -> None:
    _check(request, actor, "take", version)
    request.assigned_to_id = actor.id
    request.status = IN_PROGRESS
    _audit("take", actor, request)


def hand_over(
    request: CallbackRequest, actor: StaffUser, colleague: StaffUser, version: int
) -> None:
    _check(request, actor, "hand_over", version)
    if not colleague.active or colleague.role not in access.CASEWORKERS:
        raise CaseworkError("bad_colleague")
    if not can_work_on(colleague, request):
        raise CaseworkError("colleague_not_on_station")
    request.assigned_to_id = colleague.id
    request.status = IN_PROGRESS
    _audit("hand_over", actor, request, to=f"user:{colleague.id}")


def colleagues_for(request: CallbackRequest, actor: StaffUser) -> list[StaffUser]:
    """Whom the actor can hand this request to: active caseworkers covering its station."""
    query = select(StaffUser).where(
        StaffUser.active, StaffUser.role.in_([role.value for role in access.CASEWORKERS])
    )
    people = db.session().scalars(query.order_by(StaffUser.display_name)).all()
    return [p for p in people if p.id != actor.id and can_work_on(p, request)]


def release(request: CallbackRequest, actor: StaffUser, version: int) -> None:
    _check(request, actor, "release", version)
    request.assigned_to_id = None
    if request.attempt_count == 0:
        request.status = NEW
    _audit("release", actor, request)


def log_attempt(
    request: CallbackRequest, actor: StaffUser, outcome: str, note: str | None, version: int
) -> CallAttempt:
    _check(request, actor, "attempt", version)
    if outcome not in {o.value for o in AttemptOutcome}:
        raise CaseworkError("bad_outcome")
    now = utcnow()
    attempt = CallAttempt(
        request=request,
        staff_id=actor.id,
        created_at=now,
        outcome=outcome,
        note_enc=crypto.encrypt(note),
    )
    db.session().add(attempt)
    request.attempt_count += 1
    request.first_attempt_at = request.first_attempt_at or now
    request.next_attempt_at = None
    request.status = IN_PROGRESS
    request.assigned_to_id = request.assigned_to_id or actor.id
    _audit("attempt", actor, request, outcome=outcome)
    return attempt


def schedule(request: CallbackRequest, actor: StaffUser, when: dt.datetime, version: int) -> None:
    """Plan the next attempt; only inside one of the person's safe windows, and in the future."""
    _check(request, actor, "schedule", version)
    if when.tzinfo is None:
        raise CaseworkError("bad_time")
    if when <= dt.datetime.now(dt.UTC):
        raise CaseworkError("in_the_past")
    if not is_safe_now(request.safe_windows, when):
        raise CaseworkError("outside_windows")
    if request.do_not_call_after and when.astimezone(PARIS).date() > request.do_not_call_after:
        raise CaseworkError("after_last_day")
    request.next_attempt_at = when.astimezone(dt.UTC).replace(tzinfo=None)
    request.status = IN_PROGRESS
    request.assigned_to_id = request.assigned_to_id or actor.id
    _audit("schedule", actor, request)


def close(
    request: CallbackRequest, actor: StaffUser, outcome: str, known: str, version: int
) -> None:
    _check(request, actor, "close", version)
    if outcome not in {o.value for o in Outcome}:
        raise CaseworkError("bad_outcome")
    if known not in {k.value for k in KnownToServices}:
        raise CaseworkError("bad_known")
    request.status = CLOSED
    request.outcome = outcome
    request.known_to_services = known
    request.closed_at = utcnow()
    request.next_attempt_at = None
    _audit("close", actor, request, outcome=outcome, known=known)


def reopen(request: CallbackRequest, actor: StaffUser, version: int) -> None:
    """Only a coordinator reopens, and only while the personal data is still there."""
    _check(request, actor, "reopen", version)
    request.status = IN_PROGRESS if request.attempt_count else NEW
    request.outcome = None
    request.closed_at = None
    _audit("reopen", actor, request)


def commit_action() -> None:
    """Commit, turning a concurrent change caught by the version column into a Conflict.

    For code that acts outside a web request (scripts, tests of concurrent sessions); a request
    commits at its end (see `transactions`), and the transitions here only flush.
    """
    try:
        db.session().commit()
    except StaleDataError as exc:
        db.session().rollback()
        raise Conflict() from exc


@dataclass(frozen=True)
class CaseFile:
    """A request's personal data in clear, for one staff page view."""

    phone: str | None
    name: str | None
    message: str | None
    cover_story: str | None
    attempt_notes: dict[int, str | None]


def open_case_file(request: CallbackRequest, actor: StaffUser) -> CaseFile:
    """The one place where a request is decrypted for staff; every reading is audited."""
    _audit("view", actor, request)
    return CaseFile(
        phone=crypto.decrypt(request.phone_enc),
        name=crypto.decrypt(request.name_enc),
        message=crypto.decrypt(request.message_enc),
        cover_story=crypto.decrypt(request.cover_story_enc),
        attempt_notes={a.id: crypto.decrypt(a.note_enc) for a in request.attempts},
    )
