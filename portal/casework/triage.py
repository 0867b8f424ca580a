"""The "to check" lane: the coordinator groups a flood, marks a group as spam or releases requests.

Groups are made from what a request carries without reading it: the ten minutes it arrived in, a
keyed hash of its network prefix, a keyed hash of its text. Nothing here decrypts a field (the
names and previews a coordinator reads are in `triage_preview`), and marking as spam closes
requests (outcome "spam") without erasing them: the decision can be undone for a while (see
`spam_decisions`), and the retention purge erases them in time like any closed request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update

from portal.casework import spam_decisions
from portal.core import db
from portal.models import (
    OPEN_STATUSES,
    CallbackRequest,
    Lane,
    Outcome,
    RequestStatus,
    StaffUser,
    utcnow,
)
from portal.staff import audit

GROUPINGS = ("time", "network", "text")
TIME_BUCKET_MINUTES = 10
# A flood larger than this is shown and handled in slices of this size.
MAX_ROWS = 5000


@dataclass(frozen=True)
class Group:
    """Requests to check that share a key: when they came, from which network, with which text."""

    key: str
    count: int
    first: dt.datetime
    last: dt.datetime
    ids: tuple[int, ...]


def _bucket(moment: dt.datetime) -> str:
    minute = moment.minute - moment.minute % TIME_BUCKET_MINUTES
    return moment.replace(minute=minute, second=0, microsecond=0).isoformat(timespec="minutes")


def _key(by: str, row: tuple[int, dt.datetime, str | None, str | None]) -> str:
    _ident, created, network, text = row
    if by == "network":
        return network or "-"
    if by == "text":
        return text or "-"
    return _bucket(created)


def waiting_count() -> int:
    """How many open requests wait in the "to check" lane (up to MAX_ROWS)."""
    return len(_waiting_rows())


def _waiting_rows() -> list[tuple[int, dt.datetime, str | None, str | None]]:
    query = (
        select(
            CallbackRequest.id,
            CallbackRequest.created_at,
            CallbackRequest.network_label,
            CallbackRequest.text_label,
        )
        .where(
            CallbackRequest.lane == Lane.CHECK.value,
            CallbackRequest.status.in_(OPEN_STATUSES),
        )
        .order_by(CallbackRequest.created_at, CallbackRequest.id)
        .limit(MAX_ROWS)
    )
    return [(i, c, n, t) for i, c, n, t in db.session().execute(query)]


def groups(by: str) -> list[Group]:
    """The requests to check grouped by time, network or text; the largest groups first."""
    if by not in GROUPINGS:
        by = "time"
    found: dict[str, list[tuple[int, dt.datetime]]] = {}
    for row in _waiting_rows():
        found.setdefault(_key(by, row), []).append((row[0], row[1]))
    made = [
        Group(key, len(rows), rows[0][1], rows[-1][1], tuple(i for i, _c in rows))
        for key, rows in found.items()
    ]
    return sorted(made, key=lambda g: (-g.count, g.first))


def group_ids(by: str, key: str) -> list[int]:
    """The ids of the open requests to check in one group."""
    for group in groups(by):
        if group.key == key:
            return list(group.ids)
    return []


def requests_in(ids: list[int]) -> list[CallbackRequest]:
    """The requests of a group, oldest first, for the coordinator's list (nothing decrypted)."""
    if not ids:
        return []
    query = select(CallbackRequest).where(CallbackRequest.id.in_(ids))
    return list(db.session().scalars(query.order_by(CallbackRequest.created_at)))


def _still_waiting(ids: list[int]) -> list[int]:
    query = select(CallbackRequest.id).where(
        CallbackRequest.id.in_(ids),
        CallbackRequest.lane == Lane.CHECK.value,
        CallbackRequest.status.in_(OPEN_STATUSES),
    )
    return list(db.session().scalars(query))


def _change_waiting(ids: list[int], actor: StaffUser, action: str, by: str, **values: Any) -> int:
    """Change, in one statement, the listed requests still waiting to be checked; audited."""
    ids = _still_waiting(ids)
    if not ids:
        return 0
    db.session().execute(
        update(CallbackRequest)
        .where(CallbackRequest.id.in_(ids))
        .values(version=CallbackRequest.version + 1, **values),
        execution_options={"synchronize_session": False},
    )
    target = f"request:{ids[0]}" if len(ids) == 1 else "requests"
    audit.record(action, actor, target=target, grouping=by, count=len(ids))
    db.session().flush()
    return len(ids)


def mark_spam(ids: list[int], actor: StaffUser, by: str = "", label: str = "") -> int:
    """Close every listed request still waiting to be checked as spam, in one action that can
    be undone for a while."""
    closing = _still_waiting(ids)
    done = _change_waiting(
        ids,
        actor,
        "triage.spam",
        by,
        status=RequestStatus.CLOSED.value,
        outcome=Outcome.SPAM.value,
        closed_at=utcnow(),
    )
    if done:
        spam_decisions.remember(closing, actor, label or by)
    return done


def release(ids: list[int], actor: StaffUser, by: str = "") -> int:
    """Move listed requests waiting to be checked into the queue, where they keep their age."""
    return _change_waiting(
        ids, actor, "triage.release", by, lane=Lane.QUEUE.value, network_label=None, text_label=None
    )


def send_to_check(ids: list[int], actor: StaffUser) -> int:
    """Move listed requests of the main queue, with every open request of their numbers, to
    "to check", where the coordinator marks them as spam or releases them; audited."""
    numbers = select(CallbackRequest.phone_index).where(
        CallbackRequest.id.in_(ids), CallbackRequest.phone_index.is_not(None)
    )
    query = select(CallbackRequest.id).where(
        CallbackRequest.lane == Lane.QUEUE.value,
        CallbackRequest.status.in_(OPEN_STATUSES),
        or_(CallbackRequest.id.in_(ids), CallbackRequest.phone_index.in_(numbers)),
    )
    moving = list(db.session().scalars(query.limit(MAX_ROWS)))
    if not moving:
        return 0
    db.session().execute(
        update(CallbackRequest)
        .where(CallbackRequest.id.in_(moving))
        .values(lane=Lane.CHECK.value, version=CallbackRequest.version + 1),
        execution_options={"synchronize_session": False},
    )
    target = f"request:{moving[0]}" if len(moving) == 1 else "requests"
    audit.record("triage.hold", actor, target=target, count=len(moving))
    db.session().flush()
    return len(moving)
