"""Short write transactions under a named lock, in two round trips on PostgreSQL.

A transaction opened here first takes a lock named by the caller (PostgreSQL's advisory lock for
the transaction; SQLite's whole-database write lock), so that two writers of one thing queue
rather than interleave. On PostgreSQL its statements go through libpq's pipeline: BEGIN, the lock,
a new id and the first read travel in one round trip; the writes and COMMIT in a second one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event

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
    raw: Any = connection.connection.driver_connection
    with raw.pipeline() as pipeline:
        connection.info[PIPELINE] = pipeline
        try:
            with connection.begin():
                # Queued, not waited for: they leave with the first read.
                raw.execute("SELECT pg_advisory_xact_lock(%s)", [key])
                if draw_id_of:
                    connection.info[DRAWN_ID] = raw.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [draw_id_of]
                    )
                yield
        finally:
            connection.info.pop(PIPELINE, None)
            connection.info.pop(DRAWN_ID, None)


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
