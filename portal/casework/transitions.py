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

from portal.casework.windows import is_safe_now, next_safe_start, safe_until
from portal.core import db
from portal.core.timezone import PARIS
from portal.models import (
    AttemptOutcome,
    CallAttempt,
    CallbackRequest,
    KnownToServices,
    Outcome,
    RequestStatus,
    StaffUser,
    utcnow,
)
from portal.models.personal_data import opened, seal_into, sealed
from portal.staff import access, audit
from portal.staff.access import can_work_on

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
    if not access.may_hold_requests(colleague):
        raise CaseworkError("bad_colleague")
    if not can_work_on(colleague, request):
        raise CaseworkError("colleague_not_on_station")
    request.assigned_to_id = colleague.id
    request.status = IN_PROGRESS
    _audit("hand_over", actor, request, to=f"user:{colleague.id}")


def colleagues_for(request: CallbackRequest, actor: StaffUser) -> list[StaffUser]:
    """Whom the actor can hand this request to: active caseworkers covering its station."""
    query = select(StaffUser).where(StaffUser.active, access.role_among(access.CASEWORKERS))
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
        **sealed(CallAttempt, note=note),
    )
    db.session().add(attempt)
    request.attempt_count += 1
    request.first_attempt_at = request.first_attempt_at or now
    request.last_attempt_outcome = outcome
    request.next_attempt_at = None
    request.status = IN_PROGRESS
    request.assigned_to_id = request.assigned_to_id or actor.id
    if outcome == AttemptOutcome.SOMEONE_ELSE:
        # Not again in the window where someone else picked up: the next one, if she allows it.
        request.risk_flagged_at = now
        request.next_attempt_at = _next_window_after_this_one(request, now)
    _audit("attempt", actor, request, outcome=outcome)
    return attempt


def _next_window_after_this_one(request: CallbackRequest, now: dt.datetime) -> dt.datetime | None:
    """The start of the next safe window once the current one has closed, as naive UTC."""
    moment = now.replace(tzinfo=dt.UTC)
    moment = safe_until(request.safe_windows, moment, request.safe_days) or moment
    opening = next_safe_start(request.safe_windows, moment, request.safe_days)
    if opening is None:
        return None
    if request.do_not_call_after and opening.date() > request.do_not_call_after:
        return None
    return opening.astimezone(dt.UTC).replace(tzinfo=None)


def clear_risk(request: CallbackRequest, actor: StaffUser, version: int) -> None:
    """A social worker who has checked the situation lifts the "someone else answered" flag."""
    _check(request, actor, "clear_risk", version)
    request.risk_flagged_at = None
    _audit("clear_risk", actor, request)


def schedule(request: CallbackRequest, actor: StaffUser, when: dt.datetime, version: int) -> None:
    """Plan the next attempt; only inside one of the person's safe windows, and in the future."""
    _check(request, actor, "schedule", version)
    if when.tzinfo is None:
        raise CaseworkError("bad_time")
    if when <= dt.datetime.now(dt.UTC):
        raise CaseworkError("in_the_past")
    if not is_safe_now(request.safe_windows, when, request.safe_days):
        raise CaseworkError("outside_windows")
    if request.do_not_call_after and when.astimezone(PARIS).date() > request.do_not_call_after:
        raise CaseworkError("after_last_day")
    request.next_attempt_at = when.astimezone(dt.UTC).replace(tzinfo=None)
    request.status = IN_PROGRESS
    request.assigned_to_id = request.assigned_to_id or actor.id
    _audit("schedule", actor, request)


def close(
    request: CallbackRequest,
    actor: StaffUser,
    outcome: str,
    known: str,
    version: int,
    note: str | None = None,
) -> None:
    """Close with an explicit outcome, never a default one: the statistics are built on it."""
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
    seal_into(request, close_note=note)
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
    close_note: str | None = None


def open_case_file(request: CallbackRequest, actor: StaffUser) -> CaseFile:
    """The one place where a request is decrypted for staff; every reading is audited."""
    _audit("view", actor, request)
    clear = opened(request)
    return CaseFile(
        phone=clear["phone"],
        name=clear["name"],
        message=clear["message"],
        cover_story=clear["cover_story"],
        attempt_notes={a.id: opened(a)["note"] for a in request.attempts},
        close_note=clear["close_note"],
    )
