"""A database that answers but takes no write, as the embedded one does on a full disk."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event

from portal.core import db


def refuse_writes(app: Flask) -> None:
    """Every new connection of this app's SQLite engine reads only; writes fail at the driver."""
    with app.app_context():
        engine = db.engine()
        assert engine.dialect.name == "sqlite", "for the embedded database"

        @event.listens_for(engine, "connect")
        def _query_only(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA query_only = ON")

        engine.dispose()
