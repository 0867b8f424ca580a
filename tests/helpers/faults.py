"""Set-ups for the fault tests: a prepared database, a server's environment, timed sends."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from helpers.settings import PRODUCTION_SETTINGS, keys_env, production_env
from portal import create_app
from portal.cli.demo_data import create_demo_stations
from portal.core import crypto, db
from portal.core.schema import upgrade_database
from portal.models import CallbackRequest

from .production import Answer, FormVisitor


def prepared_app(database_url: str, keys: dict[str, Any], **config: Any) -> Flask:
    """The app on a database at the latest schema, with the demo stations."""
    app = create_app({"DATABASE_URL": database_url, **PRODUCTION_SETTINGS, **keys, **config})
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        db.session().commit()
    return app


def server_env(database_url: str, keys: dict[str, Any], **settings: str) -> dict[str, str]:
    """A server process's environment: its database, its keys, no time trap."""
    return {
        "PORTAL_DATABASE_URL": database_url,
        **keys_env(keys),
        "PORTAL_MIN_FILL_SECONDS": "0",
        "PORTAL_RATELIMIT_STORAGE_URI": "memory://",
        "PORTAL_SUBMIT_LIMITS": "100000 per minute",
        # These runs test storage, not limits: several workers may count apart.
        "PORTAL_ALLOW_PER_PROCESS_LIMITS": "true",
        **production_env(),
        **settings,
    }


@dataclass
class Timed:
    """What a person got, and how long she waited for it."""

    phone: str
    seconds: float
    answer: Answer | None
    failure: str = ""


def timed_send(visitor: FormVisitor, phone: str, headers: dict[str, str] | None = None) -> Timed:
    """Send an already loaded form; a reset, a refusal or a timeout is a failure."""
    started = time.monotonic()
    try:
        answer = visitor.send(phone, extra_headers=headers)
    except OSError as exc:
        return Timed(phone, time.monotonic() - started, None, type(exc).__name__)
    return Timed(phone, time.monotonic() - started, answer)


def stored_phones(app: Flask, phones: list[str]) -> set[str]:
    """Which of these numbers (as typed, 06…) have a stored request."""
    with app.app_context():
        by_index = {crypto.blind_index(f"+33{p[1:]}"): p for p in phones}
        query = select(CallbackRequest.phone_index).where(CallbackRequest.phone_index.is_not(None))
        found = {by_index[i] for i in db.session().scalars(query) if i in by_index}
        db.session().close()
        return found


@contextmanager
def served(app: Flask) -> Iterator[int]:
    """The app on a threaded development server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
