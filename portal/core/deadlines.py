"""Bounded waits on the database: a deadline on every connection a web request holds, and a pause
on new connections after one failed.

A silent network cut (no packet, no reset) leaves a query waiting for an answer that never comes;
the server's statement timeout cannot help, since the server never hears of the query, and TCP's
user timeout only fires when the data sent goes unacknowledged, which a proxy or a half-dead link
does not guarantee. So a watchdog thread, one per process, shuts down the socket of any connection
a request has held for longer than DATABASE_DEADLINE_SECONDS: the driver then fails at once, the
pool drops the connection, and she gets the page that says nothing was saved, with the emergency
numbers, instead of waiting for as long as the cut lasts. Commands (purge, migrations) are not
watched: they run long on purpose, under the server's own limits.

Once a new connection met silence (its connect timeout), the process does not try another for
PAUSE_SECONDS: the requests meanwhile are answered at once (nothing was saved), rather than each
waiting for the connect timeout in turn behind the others. A refused connection costs nothing and
is tried again at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from flask import has_request_context
from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

# How often the watchdog looks at the connections held.
TICK_SECONDS = 0.2


# Seconds without trying a new connection after one failed slowly (no answer at all).
PAUSE_SECONDS = 3.0
SLOW_FAILURE_SECONDS = 1.0


class Breaker:
    """Refuses new connections for a short while after one failed (per process)."""

    def __init__(self, pause: float = PAUSE_SECONDS) -> None:
        self.pause = pause
        self.closed_until = 0.0

    def trip(self) -> None:
        self.closed_until = time.monotonic() + self.pause

    def watch(self, engine: Engine) -> None:
        @event.listens_for(engine, "do_connect")
        def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
            if time.monotonic() < self.closed_until:
                raise dialect.loaded_dbapi.OperationalError("database failed a moment ago")
            started = time.monotonic()
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.Error:
                # A refusal costs nothing to try again; a silence costs the connect timeout.
                if time.monotonic() - started >= SLOW_FAILURE_SECONDS:
                    self.trip()
                raise


class Watchdog:
    """Cuts the connections held past the deadline by web requests of this process."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        # record id -> (deadline, socket, thread of the request that took it)
        self._held: dict[int, tuple[float, int, int]] = {}
        self._lock = threading.Lock()
        self._pid = 0

    def watch(self, engine: Engine) -> None:
        """Follow the engine's connections from checkout to checkin (or invalidation)."""
        event.listen(engine, "checkout", self._taken)
        event.listen(engine, "checkin", self._given_back)
        event.listen(engine, "invalidate", self._dropped)
        event.listen(engine, "soft_invalidate", self._dropped)
        event.listen(engine, "close", self._closed)

    def _taken(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if not has_request_context():
            return
        fd = _socket_of(dbapi_connection)
        if fd is None:
            return
        self._start_thread()
        with self._lock:
            self._held[id(record)] = (time.monotonic() + self.deadline, fd, threading.get_ident())

    def request_ended(self) -> None:
        """A connection still held after its request (a command's own context) is not watched."""
        me = threading.get_ident()
        with self._lock:
            for key in [k for k, (_d, _fd, thread) in self._held.items() if thread == me]:
                del self._held[key]

    def _given_back(self, _dbapi_connection: Any, record: Any) -> None:
        with self._lock:
            self._held.pop(id(record), None)

    def _dropped(self, _dbapi_connection: Any, record: Any, _exc: Any) -> None:
        self._given_back(None, record)

    def _closed(self, _dbapi_connection: Any, record: Any) -> None:
        self._given_back(None, record)

    def _start_thread(self) -> None:
        # One thread per process: a worker forked from a master that started one has none.
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._held.clear()
        threading.Thread(target=self._run, name="database-deadline", daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(TICK_SECONDS)
            self.cut_overdue()

    def cut_overdue(self) -> int:
        """Shut down the sockets of the connections held past their deadline; how many."""
        now = time.monotonic()
        cut = 0
        with self._lock:  # the connection cannot be closed (and its descriptor reused) meanwhile
            for key, (deadline, fd, _thread) in list(self._held.items()):
                if now < deadline:
                    continue
                del self._held[key]
                _shut_down(fd)
                cut += 1
        if cut:
            # No pause yet: the cut may be a long wait for a lock; a dead network shows at the
            # next connection, which trips the breaker.
            log.warning("database silent for %.0f s: %d connection(s) cut", self.deadline, cut)
        return cut


def _socket_of(dbapi_connection: Any) -> int | None:
    """The socket descriptor of a psycopg connection (None for other drivers)."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    try:
        fd = int(pgconn.socket) if pgconn is not None else -1
    except Exception:  # a connection already closed has no socket
        return None
    return fd if fd >= 0 else None


def _shut_down(fd: int) -> None:
    """Shut the socket down (both ways) without closing the driver's descriptor."""
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()
