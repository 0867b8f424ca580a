"""Stations: the police stations and gendarmerie brigades whose social workers take the calls."""

from __future__ import annotations

from sqlalchemy import select

from . import db
from .models import Station


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
