"""The callback queue: who to call first, and the explicit life of a request.

Order: by rank (portal.casework.ranking: a characterised danger, then cards and referrals, urgent
first, then the rest, urgent first), always; within each, requests whose safe window is open now
first, then the oldest (or, as a person chooses, simply the oldest or the newest). Requests past
her last day come after every callable one, in every order. Each group is read
from an index in arrival order, one station and status at a time, so a page costs about the same
with a hundred thousand requests as with a thousand, and nothing is decrypted for the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload

from portal.casework import last_day
from portal.casework.queue_scope import scope, station_paths, statuses
from portal.casework.ranking import Rank
from portal.casework.windows import slot_bit
from portal.core import db
from portal.models import OPEN_STATUSES, CallbackRequest, Lane, RequestStatus, StaffUser

PAGE_SIZE = 50
STATUS_FILTERS = ("open", "new", "in_progress", "closed", "cancelled")
# The rank first in every order (see ranking); "calling" also puts the requests that are safe to
# call now first. Requests past her last day come after every callable one, whatever the order.
SORTS = ("calling", "oldest", "newest")


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the group, then the arrival time and id within it."""

    group: int
    created_at: dt.datetime
    id: int

    def dump(self) -> str:
        return f"{self.group}.{self.created_at.isoformat()}.{self.id}"

    @classmethod
    def load(cls, text: str | None) -> Cursor | None:
        try:
            # The time has a dot of its own before its microseconds: cut at the first and last.
            group, rest = (text or "").split(".", 1)
            created, ident = rest.rsplit(".", 1)
            moment = dt.datetime.fromisoformat(created)
        except ValueError:
            return None
        if moment.tzinfo is not None:  # stored times are naive UTC
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        try:
            return cls(int(group), moment, int(ident))
        except ValueError:
            return None


Arrival = tuple[int, dt.datetime]  # a request's id and arrival time


@dataclass(frozen=True)
class Group:
    """A part of the queue read in one go: a rank (safe now or not), or every request past her
    last day, which always come last."""

    rank: int | None
    safe: bool | None = None

    def condition(self, bit: int, now: dt.datetime) -> ColumnElement[bool]:
        if self.rank is None:
            return last_day.past(now)
        # "= 2", not "IN": PostgreSQL reads an index in order only through "=".
        ranked = and_(CallbackRequest.calling_rank == self.rank, last_day.still_callable(now))
        if self.safe is None:
            return ranked
        masked = CallbackRequest.window_mask.op("&")(bit)
        return and_(ranked, masked != 0 if self.safe else masked == 0)


PAST_LAST_DAY = Group(None)
# The calling order: each rank, safe now first; then those past her last day.
CALLING = (*(Group(rank, safe) for rank in Rank for safe in (True, False)), PAST_LAST_DAY)
# The other orders keep the ranks and the last day, and only sort by arrival within them.
BY_ARRIVAL = (*(Group(rank) for rank in Rank), PAST_LAST_DAY)


def _groups(sort: str) -> tuple[Group, ...]:
    return CALLING if sort == "calling" else BY_ARRIVAL


def _after(start: Cursor, newest_first: bool = False) -> ColumnElement[bool]:
    if newest_first:
        return or_(
            CallbackRequest.created_at < start.created_at,
            and_(CallbackRequest.created_at == start.created_at, CallbackRequest.id < start.id),
        )
    return or_(
        CallbackRequest.created_at > start.created_at,
        and_(CallbackRequest.created_at == start.created_at, CallbackRequest.id > start.id),
    )


@dataclass(frozen=True)
class QueuePage:
    requests: list[CallbackRequest]
    next_cursor: str | None


def _with_details(query: Select[Any]) -> Select[Any]:
    return query.options(
        joinedload(CallbackRequest.station), joinedload(CallbackRequest.assigned_to)
    )


_older = aliased(CallbackRequest)
# The queue shows each number once, at its oldest open request in the queue, and nothing
# "to check".
ONE_ENTRY_PER_NUMBER = (
    CallbackRequest.lane == Lane.QUEUE.value,
    ~exists().where(
        _older.phone_index == CallbackRequest.phone_index,
        _older.status.in_(OPEN_STATUSES),
        _older.lane == Lane.QUEUE.value,
        _older.id < CallbackRequest.id,
    ),
)


def _group_ids(
    paths: list[ColumnElement[bool] | None],
    statuses: tuple[str, ...],
    condition: ColumnElement[bool],
    limit: int,
    newest_first: bool = False,
) -> list[Arrival]:
    """The first ids of one group, in arrival order, each path read from an index in order.

    Asking for `status IN (...)` or `station_id IN (...)` at once would make the database sort
    every matching row; one ordered read per station and status, merged, stops after `limit`.
    """
    parts = []
    for path in paths:
        for status in statuses:
            part = select(CallbackRequest.id, CallbackRequest.created_at).where(
                CallbackRequest.status == status, condition, *ONE_ENTRY_PER_NUMBER
            )
            if path is not None:
                part = part.where(path)
            order: tuple[Any, ...] = (CallbackRequest.created_at, CallbackRequest.id)
            if newest_first:
                order = (CallbackRequest.created_at.desc(), CallbackRequest.id.desc())
            parts.append(part.order_by(*order).limit(limit))
    if len(parts) == 1:
        return [(i, c) for i, c in db.session().execute(parts[0]).all()]
    merged = union_all(*(select(p.subquery()) for p in parts)).subquery()
    query = select(merged.c.id, merged.c.created_at)
    merged_order: tuple[Any, ...] = (merged.c.created_at, merged.c.id)
    if newest_first:
        merged_order = (merged.c.created_at.desc(), merged.c.id.desc())
    query = query.order_by(*merged_order).limit(limit)
    return [(i, c) for i, c in db.session().execute(query).all()]


def open_queue(
    user: StaffUser,
    now: dt.datetime,
    status: str = "open",
    station_id: int | None = None,
    cursor: str | None = None,
    mine: bool = False,
    sort: str = "calling",
) -> QueuePage:
    """One page of the queue, in calling order (or oldest or newest first within each rank)."""
    if status in ("closed", "cancelled"):
        return _closed_page(user, status, station_id, cursor, mine)
    paths = station_paths(user, station_id, mine)
    start = Cursor.load(cursor)
    bit = slot_bit(now)
    newest_first = sort == "newest"
    rows: list[tuple[int, dt.datetime, int]] = []
    for group, part in enumerate(_groups(sort)):
        if not paths or (start and group < start.group):
            continue
        condition = part.condition(bit, now)
        if start and group == start.group:
            condition = and_(condition, _after(start, newest_first))
        limit = PAGE_SIZE + 1 - len(rows)
        found = _group_ids(paths, statuses(status), condition, limit, newest_first)
        rows.extend((group, created, ident) for ident, created in found)
        if len(rows) > PAGE_SIZE:
            break
    page = rows[:PAGE_SIZE]
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        next_cursor = Cursor(*page[-1]).dump()
    return QueuePage(_load_in_order([ident for _, _, ident in page]), next_cursor)


def _load_in_order(ids: list[int]) -> list[CallbackRequest]:
    if not ids:
        return []
    query = _with_details(select(CallbackRequest).where(CallbackRequest.id.in_(ids)))
    found = {r.id: r for r in db.session().scalars(query).unique()}
    return [found[i] for i in ids if i in found]


def _closed_page(
    user: StaffUser, status: str, station_id: int | None, cursor: str | None, mine: bool = False
) -> QueuePage:
    """Most recently closed first, read in the order of the (status, closed_at) index."""
    query = scope(select(CallbackRequest), user, station_id)
    query = query.where(CallbackRequest.status == status)
    if mine:
        query = query.where(CallbackRequest.assigned_to_id == user.id)
    start = Cursor.load(cursor)
    if start:
        query = query.where(
            or_(
                CallbackRequest.closed_at < start.created_at,
                and_(CallbackRequest.closed_at == start.created_at, CallbackRequest.id < start.id),
            )
        )
    query = query.order_by(CallbackRequest.closed_at.desc(), CallbackRequest.id.desc())
    found = list(db.session().scalars(_with_details(query.limit(PAGE_SIZE + 1))).unique())
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    last = found[-1] if found else None
    next_cursor = None
    if more and last is not None and last.closed_at is not None:
        next_cursor = Cursor(0, last.closed_at, last.id).dump()
    return QueuePage(found, next_cursor)


def held_count(user: StaffUser) -> int:
    """How many open requests a person holds."""
    query = select(func.count()).where(
        CallbackRequest.assigned_to_id == user.id, CallbackRequest.status.in_(OPEN_STATUSES)
    )
    return int(db.session().scalar(query) or 0)


def release_requests_of(user: StaffUser) -> int:
    """Return a person's open requests to their station's pool (deactivation, role change)."""
    held = (
        db.session()
        .scalars(
            select(CallbackRequest).where(
                CallbackRequest.assigned_to_id == user.id,
                CallbackRequest.status.in_(OPEN_STATUSES),
            )
        )
        .all()
    )
    for request in held:
        request.assigned_to_id = None
        if request.status == RequestStatus.IN_PROGRESS and request.attempt_count == 0:
            request.status = RequestStatus.NEW.value
    return len(held)
