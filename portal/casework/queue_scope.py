"""Which requests of the queue a person sees: her stations, or every one for a coordinator, read
one station at a time so that each read follows an index in order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_

from portal.models import OPEN_STATUSES, CallbackRequest, StaffUser
from portal.staff.access import visible_station_ids


def scope(query: Select[Any], user: StaffUser, station_id: int | None) -> Select[Any]:
    """The query limited to what the person may see, and to one station when she chose one."""
    visible = visible_station_ids(user)
    if visible is not None:
        query = query.where(CallbackRequest.station_id.in_(visible))
    if station_id == 0:
        query = query.where(CallbackRequest.station_id.is_(None))
    elif station_id is not None:
        query = query.where(CallbackRequest.station_id == station_id)
    return query


def station_paths(
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


def statuses(status: str) -> tuple[str, ...]:
    return OPEN_STATUSES if status == "open" else (status,)
