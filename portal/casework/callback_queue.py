"""The callback queue: who to call first, and the explicit life of a request.

Order: urgent before the rest, always; within each, requests whose safe window is open now first,
then the oldest (or, as a person chooses, simply the oldest or the newest). Each group is read
from an index in arrival order, one station and status at a time, so a page costs about the same
with a hundred thousand requests as with a thousand, and nothing is decrypted for the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload

from portal.casework import working_hours
from portal.casework.windows import slot_bit
from portal.core import crypto, db, phone_numbers
from portal.intake import references
from portal.models import (
    OPEN_STATUSES,
    CallbackRequest,
    Lane,
    RequestStatus,
    StaffUser,
)
from portal.staff.access import visible_station_ids

PAGE_SIZE = 50
STATUS_FILTERS = ("open", "new", "in_progress", "closed", "cancelled")
# Urgent first in every order; "calling" also puts the requests that are safe to call now first.
SORTS = ("calling", "oldest", "newest")


def _scope(query: Select[Any], user: StaffUser, station_id: int | None) -> Select[Any]:
    visible = visible_station_ids(user)
    if visible is not None:
        query = query.where(CallbackRequest.station_id.in_(visible))
    if station_id == 0:
        query = query.where(CallbackRequest.station_id.is_(None))
    elif station_id is not None:
        query = query.where(CallbackRequest.station_id == station_id)
    return query


def _station_paths(
    user: StaffUser, station_id: int | None, mine: bool = False
) -> list[ColumnElement[bool] | None]:
    """Each station's path, or, for "mine", one path along the requests a person holds."""
    paths = _every_station_path(user, station_id)
    if not mine:
        return paths
    held = CallbackRequest.assigned_to_id == user.id
    return [held if p is None else and_(p, held) for p in paths]


def _every_station_path(
    user: StaffUser, station_id: int | None
) -> list[ColumnElement[bool] | None]:
    """One condition per index path to read: each station apart, so each read is in order.

    None stands for "every station and none" (a coordinator's whole queue); an empty list means
    that nothing is visible.
    """
    visible = visible_station_ids(user)
    if station_id == 0:
        return [CallbackRequest.station_id.is_(None)] if visible is None else []
    if station_id is not None:
        allowed = visible is None or station_id in visible
        return [CallbackRequest.station_id == station_id] if allowed else []
    if visible is None:
        return [None]
    return [CallbackRequest.station_id == s for s in sorted(visible)]


def _statuses(status: str) -> tuple[str, ...]:
    return OPEN_STATUSES if status == "open" else (status,)


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
# The four groups of the calling order: (urgent, safe now).
GROUPS: tuple[tuple[bool, bool | None], ...] = (
    (True, True),
    (True, False),
    (False, True),
    (False, False),
)
# The other orders only keep urgent requests first.
URGENT_FIRST: tuple[tuple[bool, bool | None], ...] = ((True, None), (False, None))


def _groups(sort: str) -> tuple[tuple[bool, bool | None], ...]:
    return GROUPS if sort == "calling" else URGENT_FIRST


def _group_condition(urgent: bool, safe: bool | None, bit: int) -> ColumnElement[bool]:
    # "= true", not "IS true": PostgreSQL reads an index only through "=".
    if safe is None:
        return CallbackRequest.urgent == urgent
    masked = CallbackRequest.window_mask.op("&")(bit)
    return and_(CallbackRequest.urgent == urgent, masked != 0 if safe else masked == 0)


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
_ONE_ENTRY_PER_NUMBER = (
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
                CallbackRequest.status == status, condition, *_ONE_ENTRY_PER_NUMBER
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
    """One page of the queue, in calling order (or oldest or newest first, urgent always first)."""
    if status in ("closed", "cancelled"):
        return _closed_page(user, status, station_id, cursor, mine)
    paths = _station_paths(user, station_id, mine)
    start = Cursor.load(cursor)
    bit = slot_bit(now)
    newest_first = sort == "newest"
    rows: list[tuple[int, dt.datetime, int]] = []
    for group, (urgent, safe) in enumerate(_groups(sort)):
        if not paths or (start and group < start.group):
            continue
        condition = _group_condition(urgent, safe, bit)
        if start and group == start.group:
            condition = and_(condition, _after(start, newest_first))
        limit = PAGE_SIZE + 1 - len(rows)
        found = _group_ids(paths, _statuses(status), condition, limit, newest_first)
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
    query = _scope(select(CallbackRequest), user, station_id)
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


def search(user: StaffUser, text: str) -> list[CallbackRequest]:
    """Requests found by reference or by phone number, as typed, among those the person may see.

    A number is found through its keyed index, never by decrypting the table.
    """
    key = references.lookup_key(text)
    phone = phone_numbers.parse_phone(text)
    if key is None and phone is None:
        return []
    conditions = []
    if key is not None:
        conditions.append(CallbackRequest.reference == key)
    if phone is not None:
        conditions.append(CallbackRequest.phone_index == crypto.blind_index(phone))
    query = _scope(select(CallbackRequest), user, None).where(or_(*conditions))
    query = query.order_by(CallbackRequest.urgent.desc(), CallbackRequest.created_at.desc())
    return list(db.session().scalars(_with_details(query.limit(PAGE_SIZE))).unique())


def overdue_count(
    user: StaffUser,
    now: dt.datetime,
    limit_hours: float,
    hours: tuple[dt.time, dt.time],
    station_id: int | None = None,
) -> int:
    """Open requests nobody has tried to call within the working hours allowed, up to COUNT_CAP."""
    latest = working_hours.latest_overdue_arrival(now, limit_hours, hours)
    latest_utc = latest.astimezone(dt.UTC).replace(tzinfo=None)
    parts = []
    for status in OPEN_STATUSES:
        rows = _scope(select(CallbackRequest.id), user, station_id).where(
            CallbackRequest.status == status,
            CallbackRequest.first_attempt_at.is_(None),
            CallbackRequest.created_at < latest_utc,
        )
        parts.append(select(func.count()).select_from(rows.limit(COUNT_CAP).subquery()))
    return min(COUNT_CAP, sum(db.session().execute(p).scalar_one() for p in parts))


# Counting every row would cost as much as the table is long: open requests are counted up to
# this cap ("1000+"), closed and cancelled ones over the last RECENT_DAYS days only.
COUNT_CAP = 1000
RECENT_DAYS = 30


def status_counts(
    user: StaffUser, station_id: int | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Per status, what the queue's rows show: open entries (one line per number, nothing "to
    check") up to COUNT_CAP; ended requests of the last RECENT_DAYS days."""
    since = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    since -= dt.timedelta(days=RECENT_DAYS)
    counts = {s.value: 0 for s in RequestStatus}
    parts = []
    for status in counts:
        rows = _scope(select(CallbackRequest.id), user, station_id)
        rows = rows.where(CallbackRequest.status == status)
        if status not in OPEN_STATUSES:
            rows = rows.where(CallbackRequest.closed_at >= since)
        else:
            rows = rows.where(*_ONE_ENTRY_PER_NUMBER)
        capped = rows.limit(COUNT_CAP).subquery()
        parts.append(select(literal(status), func.count()).select_from(capped))
    counts.update(dict(db.session().execute(union_all(*parts)).all()))
    return counts


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


def same_number(request: CallbackRequest) -> list[CallbackRequest]:
    """The other requests from the same phone number, newest first, read by its keyed index."""
    if not request.phone_index:
        return []
    query = select(CallbackRequest).where(
        CallbackRequest.phone_index == request.phone_index, CallbackRequest.id != request.id
    )
    return list(db.session().scalars(query.order_by(CallbackRequest.id.desc())))


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
