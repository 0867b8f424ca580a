"""Stations: the police stations and gendarmerie brigades whose social workers take the calls."""

from __future__ import annotations

from sqlalchemy import select

from . import access, db
from .models import Role, StaffUser, Station, staff_station


class UnknownStation(LookupError):
    """No station has this code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def find_by_code(code: str) -> Station | None:
    return db.session().scalars(select(Station).where(Station.code == code)).first()


def station_by_code(code: str) -> Station:
    """The station with this code; UnknownStation when there is none."""
    station = find_by_code(code)
    if station is None:
        raise UnknownStation(code)
    return station


def station_by_id(station_id: int | None) -> Station | None:
    """The station with this id; None for none (a request routed to the coordinator)."""
    return db.session().get(Station, station_id) if station_id else None


def all_stations() -> list[Station]:
    """Every station, open or closed, in name order (lists and filters of the back office)."""
    return list(db.session().scalars(select(Station).order_by(Station.name)))


def stations_with_codes(codes: list[str]) -> list[Station]:
    """The stations with these codes; fewer than asked when some code is unknown."""
    return list(db.session().scalars(select(Station).where(Station.code.in_(codes))))


def visible_stations(user: StaffUser) -> list[Station]:
    """The stations whose requests this user may see, in name order."""
    query = select(Station).order_by(Station.name)
    visible = access.visible_station_ids(user)
    if visible is not None:
        query = query.where(Station.id.in_(visible))
    return list(db.session().scalars(query))


def active_stations() -> dict[str, tuple[int, str]]:
    """The stations the public form offers, by code: (id, name), in name order."""
    rows = db.session().execute(
        select(Station.code, Station.id, Station.name).where(Station.active).order_by(Station.name)
    )
    return {code: (ident, name) for code, ident, name in rows}


def stations_without_social_worker() -> list[Station]:
    """Active stations that no active social worker covers: their requests wait for the admins."""
    covered = (
        select(staff_station.c.station_id)
        .join(StaffUser, StaffUser.id == staff_station.c.staff_id)
        .where(StaffUser.active, StaffUser.role == Role.INTERVENANT.value)
    )
    query = select(Station).where(Station.active, Station.id.not_in(covered))
    return list(db.session().scalars(query.order_by(Station.name)))
