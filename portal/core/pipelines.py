"""Short write transactions under a named lock, in two round trips on PostgreSQL.

A transaction opened here first takes a lock named by the caller (PostgreSQL's advisory lock for
the transaction; SQLite's whole-database write lock), so that two writers of one thing queue
rather than interleave. On PostgreSQL its statements go through libpq's pipeline: BEGIN, the lock,
a new id and the first read travel in one round trip; the writes and the COMMIT in a second one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError

# Set in a connection's info while its statements are pipelined.
PIPELINE = "portal_pipeline"
DRAWN_ID = "portal_drawn_id"


def lock_key(hex_digest: str) -> int:
    """A 60-bit lock name from a keyed hash (fits PostgreSQL's bigint)."""
    return int(hex_digest[:15], 16)


@contextmanager
def locked_transaction(
    engine: Engine, key: int, draw_id_of: str | None = None
) -> Iterator[Connection]:
    """A connection in a transaction holding the lock `key`, committed when the block ends.

    With `draw_id_of` (a table with a serial id), a new id is drawn in the first round trip on
    PostgreSQL: see `drawn_id`.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            with _pipelined(connection, key, draw_id_of):
                yield connection
        else:
            with _immediate(connection):
                yield connection


@contextmanager
def _pipelined(connection: Connection, key: int, draw_id_of: str | None) -> Iterator[None]:
    # BEGIN and COMMIT are sent by hand, queued with the rest: the driver's own BEGIN would wait
    # for its answer, a round trip of its own.
    connection.execution_options(isolation_level="AUTOCOMMIT")
    raw: Any = connection.connection.driver_connection
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        with raw.pipeline() as pipeline:
            connection.info[PIPELINE] = pipeline
            raw.execute("BEGIN")
            raw.execute("SELECT pg_advisory_xact_lock(%s)", [key])
            if draw_id_of:
                connection.info[DRAWN_ID] = raw.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [draw_id_of]
                )
            yield
            raw.execute("COMMIT")  # leaves with the writes, at the pipeline's closing sync
    except dbapi_error as exc:
        _roll_back(raw, dbapi_error)
        # Errors met in the pipeline reach us unwrapped: give them SQLAlchemy's classes.
        raise DBAPIError.instance(None, None, exc, dbapi_error) from exc
    except BaseException:
        _roll_back(raw, dbapi_error)
        raise
    finally:
        connection.info.pop(PIPELINE, None)
        connection.info.pop(DRAWN_ID, None)


def _roll_back(raw: Any, dbapi_error: type[Exception]) -> None:
    """End whatever is left of the transaction (a broken connection is the pool's to drop)."""
    try:
        raw.execute("ROLLBACK")
    except dbapi_error:
        pass


@contextmanager
def _immediate(connection: Connection) -> Iterator[None]:
    """SQLite: BEGIN IMMEDIATE takes the write lock first, so two writers queue, never clash."""
    plain = connection.execution_options(isolation_level="AUTOCOMMIT")
    plain.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        plain.exec_driver_sql("ROLLBACK")
        raise
    plain.exec_driver_sql("COMMIT")


def drawn_id(connection: Connection) -> int | None:
    """The id drawn in the first round trip (PostgreSQL), else None (the INSERT makes one)."""
    cursor = connection.info.get(DRAWN_ID)
    if cursor is None:
        return None
    row = cursor.fetchone()
    return int(row[0]) if row else None


def pipeline_reads(engine: Engine) -> None:
    """In a pipeline, wait for the answer of a statement that returns rows (a read, RETURNING);
    a plain write leaves with the COMMIT."""

    @event.listens_for(engine, "after_cursor_execute")
    def _sync_reads(
        connection: Connection,
        _cursor: Any,
        _statement: str,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        pipeline = connection.info.get(PIPELINE)
        if pipeline is None:
            return
        writes = context.isinsert or context.isupdate or context.isdelete
        returning = context.compiled is not None and context.compiled.effective_returning
        if writes and not returning:
            return
        pipeline.sync()
