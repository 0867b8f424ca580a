"""The one way tests store a callback request: through the domain function the public form uses."""

from __future__ import annotations

import itertools
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import select

from portal.core import db
from portal.core.db import Base
from portal.intake import callbacks
from portal.models import DirectoryEntry, Station

Row = TypeVar("Row", bound=Base)

# A fresh French mobile number for each request made without one.
PHONES = (f"+3361234{n:04d}" for n in itertools.count(1000))


def station_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session().scalars(select(Station.id).where(Station.code == code)).one()


def store_request(
    app: Flask, station: str | None = "st-etienne", **fields: Any
) -> callbacks.Submitted:
    """Store a request as the public form would (a fresh number, two windows, a name and a
    message unless given), and return what the form would have been told."""
    with app.app_context():
        details = {
            "phone_e164": next(PHONES),
            "call_language": "fr",
            "page_language": "fr",
            "safe_windows": ["10:00-12:00", "14:00-17:00"],
            "name": "Sam",
            "message": "Plutôt le matin",
            "station_id": station_id(app, station) if station is not None else None,
            **fields,
        }
        submitted = callbacks.submit_request(callbacks.RequestDetails(**details))
        assert submitted.stored and submitted.request_id
        return submitted


def new_request_with_code(
    app: Flask, station: str | None = "st-etienne", **fields: Any
) -> tuple[int, str]:
    """Store a request (see store_request); its id and the cancel code she was given."""
    submitted = store_request(app, station, **fields)
    assert submitted.request_id is not None
    return submitted.request_id, submitted.cancel_code


def new_request(app: Flask, station: str | None = "st-etienne", **fields: Any) -> int:
    """Store a request (see store_request) and return its id."""
    submitted = store_request(app, station, **fields)
    assert submitted.request_id
    return submitted.request_id


def stored_row(model: type[Row], ident: int | None) -> Row:
    """A row the test knows is stored (inside an app context); a missing one fails the test."""
    found = db.session().get(model, ident)
    assert found is not None, f"no {model.__name__} {ident}"
    return found


def stored_entry(uid: str) -> DirectoryEntry:
    """A directory entry the test knows is stored, by its identifier."""
    found = db.session().scalars(select(DirectoryEntry).where(DirectoryEntry.uid == uid)).first()
    assert found is not None, f"no directory entry {uid}"
    return found
