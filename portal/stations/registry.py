"""Stations: the police stations and gendarmerie brigades whose social workers take the calls."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from portal.core import db
from portal.core.fields import PhoneRefused, phone_e164
from portal.models import (
    OPEN_STATUSES,
    CallbackRequest,
    StaffUser,
    Station,
    StationKind,
)
from portal.staff import access, audit
from portal.stations import coverage


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
    """Active stations that no social worker who has ever logged in covers."""
    return coverage.station_coverage().uncovered


class StationError(ValueError):
    """A refused change to a station; `code` names the reason, for a message next to the field."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,31}")
KINDS = tuple(kind.value for kind in StationKind)
FIELD_LIMITS = {"name": 120, "commune": 80, "calling_hours": 120}


def _text(value: str, field: str, required: bool = True) -> str:
    value = " ".join((value or "").split())
    if (required and not value) or len(value) > FIELD_LIMITS[field]:
        raise StationError(f"bad_{field}", field)
    return value


def phone_number(raw: str) -> str:
    """A French or international number in E.164 form; StationError when it is not one."""
    try:
        return phone_e164(raw or "")
    except PhoneRefused as exc:
        raise StationError("bad_callback_number", "callback_number") from exc


@dataclass(frozen=True)
class StationDetails:
    """What the coordinator sets for a station."""

    name: str
    kind: str
    commune: str
    callback_number: str
    calling_hours: str = ""

    def cleaned(self) -> dict[str, Any]:
        if self.kind not in KINDS:
            raise StationError("bad_kind", "kind")
        return {
            "name": _text(self.name, "name"),
            "kind": self.kind,
            "commune": _text(self.commune, "commune"),
            "callback_number": phone_number(self.callback_number),
            "calling_hours": _text(self.calling_hours, "calling_hours", required=False),
        }


def add_station(code: str, details: StationDetails, actor: StaffUser | None = None) -> Station:
    """A new station, open at once; audited."""
    code = (code or "").strip().lower()
    if not CODE_PATTERN.fullmatch(code):
        raise StationError("bad_code", "code")
    if find_by_code(code) is not None:
        raise StationError("code_taken", "code")
    station = Station(code=code, active=True, **details.cleaned())
    session = db.session()
    session.add(station)
    session.flush()
    audit.record("station_create", actor, target=f"station:{code}")
    return station


def edit_station(station: Station, details: StationDetails, actor: StaffUser | None = None) -> None:
    """Change a station's details; the audit event names the fields that changed."""
    values = details.cleaned()
    changed = sorted(k for k, v in values.items() if getattr(station, k) != v)
    for key in changed:
        setattr(station, key, values[key])
    db.session().flush()
    if changed:
        audit.record("station_edit", actor, target=f"station:{station.code}", fields=changed)


def open_request_count(station: Station) -> int:
    """How many open requests closing the station would move to the coordinator's queue."""
    query = select(func.count()).where(
        CallbackRequest.station_id == station.id, CallbackRequest.status.in_(OPEN_STATUSES)
    )
    return int(db.session().scalar(query) or 0)


def close_station(station: Station, actor: StaffUser | None = None) -> int:
    """Close a station: its open requests go to the coordinator's queue; returns how many.

    Its cards keep working and reach the coordinator (see portal.stations.cards).
    """
    if not station.active:
        raise StationError("already_closed", "code")
    station.active = False
    waiting = db.session().scalars(
        select(CallbackRequest).where(
            CallbackRequest.station_id == station.id,
            CallbackRequest.status.in_(OPEN_STATUSES),
        )
    )
    moved = 0
    for request in waiting:  # one by one, so each request's version moves on
        request.station_id = None
        moved += 1
    db.session().flush()
    audit.record("station_close", actor, target=f"station:{station.code}", moved=moved)
    return moved


def reopen_station(station: Station, actor: StaffUser | None = None) -> None:
    """Open a closed station again; requests moved to the coordinator stay with her."""
    if station.active:
        raise StationError("already_open", "code")
    station.active = True
    db.session().flush()
    audit.record("station_reopen", actor, target=f"station:{station.code}")


def open_request_counts() -> dict[int, int]:
    """Open requests per station id: counts only."""
    rows = db.session().execute(
        select(CallbackRequest.station_id, func.count())
        .where(CallbackRequest.status.in_(OPEN_STATUSES), CallbackRequest.station_id.isnot(None))
        .group_by(CallbackRequest.station_id)
    )
    return {station_id: count for station_id, count in rows if station_id is not None}


def describe(station: Station) -> dict[str, Any]:
    """A station as plain data for `station-list`; nothing personal in it."""
    return {
        "code": station.code,
        "name": station.name,
        "kind": station.kind,
        "commune": station.commune,
        "callback_number": station.callback_number,
        "calling_hours": station.calling_hours,
        "active": station.active,
    }


def open_station_id(station_id: int) -> int | None:
    """The station a request goes to, or None (the coordinator) when the station is closed."""
    station = db.session().get(Station, station_id)
    return station.id if station is not None and station.active else None
