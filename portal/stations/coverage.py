"""Which stations a social worker really covers: an invitation nobody used covers nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from portal.core import db
from portal.models import StaffUser, Station, staff_station
from portal.staff import access


@dataclass(frozen=True)
class Coverage:
    """Active stations whose requests wait for nobody, in two groups the coordinator acts on."""

    # No active social worker at all: someone must be invited.
    nobody: list[Station]
    # Only social workers who never logged in (an invitation pending or not yet used to log in).
    only_invited: list[Station]

    @property
    def uncovered(self) -> list[Station]:
        return sorted([*self.nobody, *self.only_invited], key=lambda s: s.name)

    def __bool__(self) -> bool:
        return bool(self.nobody or self.only_invited)


def _stations_of(logged_in: bool | None) -> Select[Any]:
    """Station ids with an active social worker; logged_in narrows to those who did or did not."""
    query = (
        select(staff_station.c.station_id)
        .join(StaffUser, StaffUser.id == staff_station.c.staff_id)
        .where(StaffUser.active, access.role_among(access.STATION_WORKERS))
    )
    if logged_in is True:
        query = query.where(StaffUser.last_login_at.is_not(None))
    return query


def station_coverage() -> Coverage:
    """Active stations without a social worker who has ever logged in, split by why."""
    covered = _stations_of(logged_in=True)
    anyone = _stations_of(logged_in=None)
    query = select(Station).where(Station.active, Station.id.not_in(covered)).order_by(Station.name)
    waiting = list(db.session().scalars(query))
    with_someone = set(db.session().scalars(anyone))
    return Coverage(
        nobody=[s for s in waiting if s.id not in with_someone],
        only_invited=[s for s in waiting if s.id in with_someone],
    )
