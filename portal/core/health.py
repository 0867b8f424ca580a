"""Liveness and readiness, for load balancers, systemd and monitoring; nothing personal in either.

`/livez` answers 200 while the process serves. `/healthz` answers 200 only when the service can
take a request: the database answers and accepts a write, its schema is at the latest migration,
and the data keys still open what was encrypted with them (a canary row). Each check runs with a
bound on its time; past it, the answer is 503.
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Connection, insert, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal.core import crypto, db
from portal.core.resources import resource
from portal.models.common import utcnow
from portal.models.operations import ReadinessCanary

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

CANARY_TEXT = "readiness canary"
CANARY_ID = 1
# Each statement of the check may take this long; the whole check waits READINESS_SECONDS.
STATEMENT_MILLISECONDS = 2000


@dataclass
class Readiness:
    """The outcome of each check, by name: "ok" or a one-word reason; nothing else."""

    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        expected = ("database", "schema", "write", "keys")
        return all(self.checks.get(name) == "ok" for name in expected)


@bp.get("/livez")
def livez() -> ResponseReturnValue:
    """200 while the process serves, whatever its dependencies: for restarts, not for traffic."""
    return jsonify(status="alive"), 200


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 only when a request could be taken and kept; 503 otherwise, saying which check."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    found = readiness(app)
    status = "ok" if found.ready else "unavailable"
    return jsonify(status=status, checks=found.checks), 200 if found.ready else 503


_checker_lock = threading.Lock()


@functools.cache
def _checker() -> ThreadPoolExecutor:
    # One thread per process: a check stuck on a dead network never piles up more of them.
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="readiness")


def readiness(app: Flask) -> Readiness:
    """Run the checks in the background and wait at most READINESS_SECONDS for them."""
    with _checker_lock:
        future: Future[Readiness] = _checker().submit(_checks_in_context, app)
    try:
        return future.result(timeout=float(app.config["READINESS_SECONDS"]))
    except FutureTimeout:
        log.warning("readiness check timed out")
        return Readiness({"database": "timeout"})


def _checks_in_context(app: Flask) -> Readiness:
    with app.app_context():
        return run_checks()


def run_checks() -> Readiness:
    """The database, the schema, a write and the keys, in that order; stops at the first failure."""
    found = Readiness()
    step = "database"
    try:
        with db.engine().connect() as conn:
            _bound_statements(conn)
            conn.execute(text("SELECT 1"))
            found.checks[step] = "ok"
            step = "schema"
            found.checks[step] = _schema_state(conn)
            if found.checks[step] != "ok":
                return found
            step = "write"
            token = _write_canary(conn)
            found.checks[step] = "ok"
    except SQLAlchemyError as exc:
        # The exception class only: a statement's parameters could carry anything.
        log.warning("readiness: %s check failed: %s", step, type(exc).__name__)
        found.checks[step] = "failed"
        return found
    found.checks["keys"] = _keys_open(token)
    return found


def _bound_statements(conn: Connection) -> None:
    """PostgreSQL gives up on a statement or a lock after a while; the thread is then free again.
    (SQLite waits its busy timeout; meanwhile the check answers 503 from its own time bound.)"""
    if conn.dialect.name == "postgresql":
        bound = {"ms": str(STATEMENT_MILLISECONDS)}
        # set_config(…, true) is SET LOCAL, with the value as a parameter.
        conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"), bound)
        conn.execute(text("SELECT set_config('lock_timeout', :ms, true)"), bound)


@functools.cache
def latest_revisions() -> frozenset[str]:
    """The heads of the migrations shipped with this code (read once per process)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(resource("migrations"))).get_heads())


def _schema_state(conn: Connection) -> str:
    """ "ok" at the latest migration; "missing" before init-db; "behind" before an upgrade."""
    if not conn.dialect.has_table(conn, "alembic_version"):
        return "missing"
    current = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return "ok" if current == set(latest_revisions()) else "behind"


def _write_canary(conn: Connection) -> str:
    """Stamp the canary row (a committed write) and return its encrypted text."""
    table = db.table_of(ReadinessCanary)
    token = conn.execute(select(table.c.token_enc).where(table.c.id == CANARY_ID)).scalar()
    if token is None:
        token = crypto.encrypt(CANARY_TEXT) or ""
        try:
            values = {"id": CANARY_ID, "token_enc": token, "checked_at": utcnow()}
            conn.execute(insert(table).values(values))
            conn.commit()
            return token
        except IntegrityError:  # another process wrote it first: use theirs
            conn.rollback()
            _bound_statements(conn)
            token = conn.execute(select(table.c.token_enc).where(table.c.id == CANARY_ID)).scalar()
    conn.execute(update(table).where(table.c.id == CANARY_ID).values(checked_at=utcnow()))
    conn.commit()
    return str(token)


def _keys_open(token: str) -> str:
    try:
        opened = crypto.decrypt(token)
    except (InvalidToken, ValueError):
        log.error("readiness: the data keys do not open the canary; wrong or missing keys")
        return "failed"
    return "ok" if opened == CANARY_TEXT else "failed"
