"""Notices to staff as an outbox: written in the transaction of what they announce, sent after.

A notice is a row written with the request it announces, so it exists exactly when the request
does. `flask --app portal send-notices` (a timer runs it every minute) sends what is due, one
e-mail per notice, and tries a failed one again later, waiting longer each time (a run stops at
the first server that cannot be reached); the app also tries at once, in the background, after
its commit. A notice being sent is leased for a while,
so that two senders never send it twice, and one whose sender died is sent by the next.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app
from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update

from portal.core import db
from portal.models import Notice, NoticeKind, utcnow
from portal.reporting import notify

log = logging.getLogger(__name__)

_notices = db.table_of(Notice)
_ADD = insert(_notices)
# Minutes to wait before the next try, by the number of tries made (the last one repeats): the
# first failure waits for nothing more than the timer's next run.
BACKOFF_MINUTES = (0, 1, 2, 5, 15, 30, 60)
# How long a sender holds a notice it is sending.
LEASE = dt.timedelta(minutes=2)
# The at-once try after a commit sends at most this many notices, in a thread of this name.
AT_ONCE = 5
AT_ONCE_THREAD = "notices-at-once"


@dataclass(frozen=True)
class OutboxCounts:
    """Notices not sent yet: waiting for their first try, or tried and failed (to be retried)."""

    pending: int
    failed: int


def add(connection: Connection, kind: NoticeKind, station_id: int | None, urgent: bool) -> None:
    """Write a notice in the caller's transaction (nothing when e-mail is not set up)."""
    if not notify.enabled():
        return
    now = utcnow()
    row = {"kind": kind.value, "station_id": station_id, "urgent": urgent}
    connection.execute(_ADD, {**row, "created_at": now, "next_attempt_at": now, "attempts": 0})


def counts() -> OutboxCounts:
    """How many notices wait, and how many of them failed at least once (for the coordinator
    and the metrics)."""
    rows = db.session().execute(
        select(Notice.last_error.is_(None), func.count())
        .where(Notice.sent_at.is_(None))
        .group_by(Notice.last_error.is_(None))
    )
    by_state = {bool(first_try): int(number) for first_try, number in rows}
    return OutboxCounts(pending=by_state.get(True, 0), failed=by_state.get(False, 0))


def send_due(limit: int | None = None, retry_now: bool = False) -> tuple[int, int]:
    """Send the notices that are due, oldest first; returns (sent, failed).

    With `retry_now` (the command), notices waiting after a failure are tried too: a server back
    after an outage gets every notice at the next run.
    """
    session = db.session()
    due = (
        select(Notice.id)
        .where(_due(_notices.c, utcnow(), retry_now))
        .order_by(Notice.id)
        .limit(limit)
    )
    sent = failed = 0
    for notice_id in list(session.scalars(due)):
        if not _claim(notice_id, retry_now):
            continue  # another sender has it
        outcome = _send_one(notice_id)
        if outcome is None:
            sent += 1
            continue
        failed += 1
        if not isinstance(outcome, smtplib.SMTPResponseException):
            break  # the server cannot be reached: the others wait for the next run
    return sent, failed


def _due(columns: Any, now: dt.datetime, retry_now: bool) -> ColumnElement[bool]:
    """Not sent, and neither being sent (leased) nor, unless `retry_now`, waiting to retry."""
    ready = columns.next_attempt_at <= now
    if retry_now:  # a failed notice (last_error set) is not leased: its wait is only a backoff
        ready = or_(ready, columns.last_error.is_not(None))
    return and_(columns.sent_at.is_(None), ready)


def _claim(notice_id: int, retry_now: bool) -> bool:
    """Lease the notice for LEASE, counting the try; False if someone else holds it."""
    session = db.session()
    now = utcnow()
    claimed = session.execute(
        update(_notices)
        .where(_notices.c.id == notice_id, _due(_notices.c, now, retry_now))
        .values(next_attempt_at=now + LEASE, attempts=_notices.c.attempts + 1, last_error=None)
    )
    session.commit()
    return bool(getattr(claimed, "rowcount", 0) == 1)


def _send_one(notice_id: int) -> Exception | None:
    """Send one claimed notice; the failure, if any (the notice is then due again later)."""
    session = db.session()
    notice = session.get(Notice, notice_id)
    if notice is None:
        return None
    try:
        message = _compose(notice)
        if message is not None:  # nobody to tell: done
            notify.deliver(notify.smtp_settings(), message)
    except (OSError, smtplib.SMTPException) as exc:
        wait = BACKOFF_MINUTES[min(notice.attempts, len(BACKOFF_MINUTES)) - 1]
        notice.next_attempt_at = utcnow() + dt.timedelta(minutes=wait)
        notice.last_error = type(exc).__name__
        log.warning("notice not sent (try %d): %s", notice.attempts, type(exc).__name__)
        session.commit()
        return exc
    notice.sent_at = utcnow()
    session.commit()
    return None


def _compose(notice: Notice) -> EmailMessage | None:
    if notice.kind == NoticeKind.FLOOD.value:
        to = notify.recipients(None)
        return notify.compose_flood_notice(to) if to else None
    to = notify.recipients(notice.station_id)
    return notify.compose(notice.station_id, notice.urgent, to) if to else None


def send_soon() -> threading.Thread | None:
    """Try the due notices now, in the background: no request waits for the SMTP server."""
    if not notify.enabled():
        return None
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=_send_in_background, args=(app,), name=AT_ONCE_THREAD, daemon=True
    )
    thread.start()
    return thread


def _send_in_background(app: Flask) -> None:
    with app.app_context():
        try:
            send_due(limit=AT_ONCE)
        except Exception as exc:  # the timer's run sends what this one could not
            log.warning("notices left for the next run: %s", type(exc).__name__)
