"""The callback queue: who to call first, and the explicit life of a request.

Order: urgent before the rest; within each, requests whose safe window is open now first; then the
oldest. Each of the four groups is read from an index in arrival order, so a page costs about the
same with a hundred thousand requests as with a thousand, and nothing is decrypted for the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from . import db
from .models import (
    OPEN_STATUSES,
    CallbackRequest,
    RequestStatus,
    Role,
    StaffUser,
    Station,
    staff_station,
)
from .windows import slot_bit

PAGE_SIZE = 50
STATUS_FILTERS = ("open", "new", "in_progress", "closed", "cancelled")


def visible_station_ids(user: StaffUser) -> list[int] | None:
    """The stations whose requests a user may see; None means all, unrouted ones included."""
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.INTERVENANT:
        return [s.id for s in user.stations]
    return []


def can_work_on(user: StaffUser, request: CallbackRequest) -> bool:
    visible = visible_station_ids(user)
    return visible is None or (request.station_id is not None and request.station_id in visible)


def _scope(query: Select, user: StaffUser, station_id: int | None) -> Select:
    visible = visible_station_ids(user)
    if visible is not None:
        query = query.where(CallbackRequest.station_id.in_(visible))
    if station_id == 0:
        query = query.where(CallbackRequest.station_id.is_(None))
    elif station_id is not None:
        query = query.where(CallbackRequest.station_id == station_id)
    return query


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
            group, created, ident = (text or "").split(".", 2)
            return cls(int(group), dt.datetime.fromisoformat(created), int(ident))
        except ValueError:
            return None


def _group_conditions(bit: int) -> list:
    safe = CallbackRequest.window_mask.op("&")(bit) != 0
    unsafe = CallbackRequest.window_mask.op("&")(bit) == 0
    urgent = CallbackRequest.urgent.is_(True)
    calm = CallbackRequest.urgent.is_(False)
    return [and_(urgent, safe), and_(urgent, unsafe), and_(calm, safe), and_(calm, unsafe)]


@dataclass(frozen=True)
class QueuePage:
    requests: list[CallbackRequest]
    next_cursor: str | None


def _with_details(query: Select) -> Select:
    return query.options(
        joinedload(CallbackRequest.station), joinedload(CallbackRequest.assigned_to)
    )


def open_queue(user: StaffUser, now: dt.datetime, status: str = "open",
               station_id: int | None = None, cursor: str | None = None) -> QueuePage:  # fmt: skip
    """One page of the queue, in calling order."""
    if status in ("closed", "cancelled"):
        return _closed_page(user, status, station_id, cursor)
    base = _scope(select(CallbackRequest), user, station_id)
    base = base.where(CallbackRequest.status.in_(_statuses(status)))
    start = Cursor.load(cursor)
    rows: list[tuple[int, CallbackRequest]] = []
    groups = _group_conditions(slot_bit(now))
    for group, condition in enumerate(groups):
        if start and group < start.group:
            continue
        query = base.where(condition)
        if start and group == start.group:
            query = query.where(
                or_(
                    CallbackRequest.created_at > start.created_at,
                    and_(
                        CallbackRequest.created_at == start.created_at,
                        CallbackRequest.id > start.id,
                    ),
                )
            )
        query = query.order_by(CallbackRequest.created_at, CallbackRequest.id)
        found = db.session().scalars(_with_details(query).limit(PAGE_SIZE + 1 - len(rows))).all()
        rows.extend((group, r) for r in found)
        if len(rows) > PAGE_SIZE:
            break
    page = rows[:PAGE_SIZE]
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        group, last = page[-1]
        next_cursor = Cursor(group, last.created_at, last.id).dump()
    return QueuePage([r for _, r in page], next_cursor)


def _closed_page(user: StaffUser, status: str, station_id: int | None,
                 cursor: str | None) -> QueuePage:  # fmt: skip
    query = _scope(select(CallbackRequest), user, station_id)
    query = query.where(CallbackRequest.status == status)
    before = int(cursor) if cursor and cursor.isdigit() else None
    if before:
        query = query.where(CallbackRequest.id < before)
    query = query.order_by(CallbackRequest.id.desc()).limit(PAGE_SIZE + 1)
    found = list(db.session().scalars(_with_details(query)))
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    return QueuePage(found, str(found[-1].id) if more else None)


def status_counts(user: StaffUser, station_id: int | None = None) -> dict[str, int]:
    query = _scope(
        select(CallbackRequest.status, func.count()).group_by(CallbackRequest.status),
        user,
        station_id,
    )
    counts = {status.value: 0 for status in RequestStatus}
    counts.update(dict(db.session().execute(query).all()))  # type: ignore[arg-type]
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


def stations_without_social_worker() -> list[Station]:
    """Active stations that no active social worker covers: their requests wait for the admins."""
    covered = (
        select(staff_station.c.station_id)
        .join(StaffUser, StaffUser.id == staff_station.c.staff_id)
        .where(StaffUser.active, StaffUser.role == Role.INTERVENANT.value)
    )
    query = select(Station).where(Station.active, Station.id.not_in(covered))
    return list(db.session().scalars(query.order_by(Station.name)))


def release_requests_of(user: StaffUser) -> int:
    """Return a person's open requests to their station's pool (deactivation, role change)."""
    held = db.session().scalars(
        select(CallbackRequest).where(
            CallbackRequest.assigned_to_id == user.id,
            CallbackRequest.status.in_(OPEN_STATUSES),
        )
    ).all()
    for request in held:
        request.assigned_to_id = None
        if request.status == RequestStatus.IN_PROGRESS and request.attempt_count == 0:
            request.status = RequestStatus.NEW.value
    return len(held)
