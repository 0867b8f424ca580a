"""The database: one engine per app, one session per request or CLI command."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Engine, Table, create_engine, event, text
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from portal.core import deadlines, pipelines


class Base(DeclarativeBase):
    pass


# libpq settings: give up connecting after a few seconds, notice a silent network cut within
# seconds (data unacknowledged for TCP_USER_TIMEOUT, or keepalives unanswered), and let the server
# stop any statement that runs too long. A request never waits more than a few seconds on the
# database: past that it gets the page that says nothing was saved (see deadlines.py too).
CONNECT_TIMEOUT_SECONDS = 3
STATEMENT_TIMEOUT_MS = 5000
POSTGRES_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    "tcp_user_timeout": 5000,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "application_name": "portal",
    "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    " -c idle_in_transaction_session_timeout=60000",
}
# How long a request may wait for a free connection of its process's pool.
POOL_TIMEOUT_SECONDS = 2


def _make_engine(url: str, watchdog: deadlines.Watchdog) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            # Write-ahead logging: readers never wait for the writer, and a commit is one fsync.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        return engine
    # The timeouts turn an unreachable server into a quick, clear 503.
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        pool_recycle=1800,
        connect_args=POSTGRES_CONNECT_ARGS if url.startswith("postgresql") else {},
    )
    # Registered first: the deadline also covers the ping below.
    deadlines.Breaker().watch(engine)
    watchdog.watch(engine)
    _ping_when_idle(engine)
    if engine.dialect.name == "postgresql":
        pipelines.pipeline_reads(engine)
    return engine


# A connection given back less than this long ago is taken as alive; one idle for longer is
# pinged before use, so that a database that restarted, or a connection cut on the way, is
# found again without restarting the app. Only a connection that died within the last second
# can still fail a request (with the 503 page, which says nothing was saved); SQLAlchemy then
# drops the whole pool. pool_pre_ping would ping before every request instead: one more round
# trip on every submission of a busy server.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _given_back(_dbapi_connection: Any, record: Any) -> None:
        record.info["given_back_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        given_back_at = record.info.get("given_back_at")
        if given_back_at is None or time.monotonic() - given_back_at < PING_AFTER_IDLE_SECONDS:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool drops every older connection and retries with a new one.
            raise InvalidatePoolError from exc


def init_app(app: Flask) -> None:
    watchdog = deadlines.Watchdog(float(app.config["DATABASE_DEADLINE_SECONDS"]))
    engine = _make_engine(app.config["DATABASE_URL"], watchdog)
    app.teardown_request(lambda _exc: watchdog.request_ended())
    app.extensions["portal_db"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The engine of the current app."""
    bound: Engine = current_app.extensions["portal_db"].kw["bind"]
    return bound


def session() -> Session:
    """The session of the current request or command, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["portal_db"]()
    opened: Session = g.db_session
    return opened


def give_back_connection() -> None:
    """In a web request whose session only read so far, end that transaction and give its
    connection back to the pool (its objects stay usable); used before a write of its own."""
    db_session: Session | None = g.get("db_session")
    if db_session is None or not has_request_context():
        return
    if db_session.new or db_session.dirty or db_session.deleted:
        return
    db_session.commit()


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def database_answers() -> bool:
    """True when a trivial query succeeds, for /healthz."""
    try:
        with engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not answering"
        return False


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, for the statements that skip the ORM."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table
