"""A number's entry: every request from one phone number, and the safety facts they share.

What one call taught about a number (someone else answered, details that do not match, the
attempts and how they went) belongs to the number, not to one request: it stays on every open
request of that number until a person clears it, whichever request is closed first. Requests are
found through the number's keyed index; nothing is decrypted here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update

from portal.core import db
from portal.models import OPEN_STATUSES, CallAttempt, CallbackRequest


@dataclass(frozen=True)
class EntryFacts:
    """What the queue line of a number shows, whichever of its requests it stands on."""

    attempts: int
    last_outcome: str | None
    last_attempt_at: dt.datetime | None


def same_number(request: CallbackRequest) -> list[CallbackRequest]:
    """The other requests from the same phone number, newest first, read by its keyed index."""
    if not request.phone_index:
        return []
    query = select(CallbackRequest).where(
        CallbackRequest.phone_index == request.phone_index, CallbackRequest.id != request.id
    )
    return list(db.session().scalars(query.order_by(CallbackRequest.id.desc())))


def open_siblings(request: CallbackRequest) -> list[CallbackRequest]:
    """The other open requests from the same number."""
    return [r for r in same_number(request) if r.is_open]


def same_number_counts(requests: list[CallbackRequest]) -> dict[str, int]:
    """How many open requests share each listed request's number, in one query."""
    indexes = {r.phone_index for r in requests if r.phone_index}
    if not indexes:
        return {}
    query = (
        select(CallbackRequest.phone_index, func.count())
        .where(
            CallbackRequest.phone_index.in_(indexes),
            CallbackRequest.status.in_(OPEN_STATUSES),
        )
        .group_by(CallbackRequest.phone_index)
    )
    return dict(db.session().execute(query).all())  # type: ignore[arg-type]


def facts_of(requests: list[CallbackRequest]) -> dict[int, EntryFacts]:
    """Per listed request, the attempts made on every request of its number, in one query."""
    indexes = {r.phone_index for r in requests if r.phone_index}
    found: dict[str, list[tuple[dt.datetime, str]]] = {}
    if indexes:
        query = (
            select(CallbackRequest.phone_index, CallAttempt.created_at, CallAttempt.outcome)
            .join(CallAttempt, CallAttempt.request_id == CallbackRequest.id)
            .where(CallbackRequest.phone_index.in_(indexes))
            .order_by(CallAttempt.id)
        )
        for index, created, outcome in db.session().execute(query):
            found.setdefault(str(index), []).append((created, outcome))
    facts = {}
    for request in requests:
        tries = found.get(request.phone_index or "", [])
        if not request.phone_index:  # an erased number: the request's own record only
            tries = [(a.created_at, a.outcome) for a in request.attempts]
        last = tries[-1] if tries else None
        facts[request.id] = EntryFacts(
            len(tries), last[1] if last else None, last[0] if last else None
        )
    return facts


def entry_attempts(request: CallbackRequest) -> list[CallAttempt]:
    """The attempts on the other requests of the number, oldest first (notes stay encrypted)."""
    if not request.phone_index:
        return []
    query = (
        select(CallAttempt)
        .join(CallbackRequest, CallAttempt.request_id == CallbackRequest.id)
        .where(
            CallbackRequest.phone_index == request.phone_index,
            CallbackRequest.id != request.id,
        )
        .order_by(CallAttempt.id)
    )
    return list(db.session().scalars(query))


def flag_number(request: CallbackRequest, when: dt.datetime | None) -> int:
    """Raise (a time) or clear (None) the risk flag on every request of the number; how many
    other requests changed. Their versions move on, so a page showing the old state is told."""
    return _set_on_number(request, risk_flagged_at=when)


def mark_details_differ(request: CallbackRequest, differ: bool) -> int:
    """Set or clear "different details" on every request of the number."""
    return _set_on_number(request, name_conflict=differ)


def _set_on_number(request: CallbackRequest, **values: object) -> int:
    if not request.phone_index:
        return 0
    result = db.session().execute(
        update(CallbackRequest)
        .where(
            CallbackRequest.phone_index == request.phone_index,
            CallbackRequest.id != request.id,
        )
        .values(version=CallbackRequest.version + 1, **values),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
