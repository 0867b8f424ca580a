"""Notices to staff as an outbox: written in the transaction of what they announce, sent after.

A notice is a row written with the request it announces, so it exists exactly when the request
does. `flask --app portal send-notices` (a timer runs it every minute) sends what is due, one
e-mail per notice, and tries a failed one again later, waiting longer each time; the app also
tries at once, in the background, after its commit. A notice being sent is leased for a while,
so that two senders never send it twice, and one whose sender died is sent by the next.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask, current_app
from sqlalchemy import Connection, func, insert, select, update

from portal.core import db
from portal.models import Notice, NoticeKind, utcnow
from portal.reporting import notify

log = logging.getLogger(__name__)

_notices = db.table_of(Notice)
_ADD = insert(_notices)
# Minutes to wait before the next try, by the number of tries made (the last one repeats).
BACKOFF_MINUTES = (1, 2, 5, 15, 30, 60)
# How long a sender holds a notice it is sending.
LEASE = dt.timedelta(minutes=2)
# The at-once try after a commit sends at most this many notices.
AT_ONCE = 5


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


def send_due(limit: int | None = None) -> tuple[int, int]:
    """Send the notices that are due, oldest first; returns (sent, failed)."""
    session = db.session()
    due = (
        select(Notice.id)
        .where(Notice.sent_at.is_(None), Notice.next_attempt_at <= utcnow())
        .order_by(Notice.id)
        .limit(limit)
    )
    sent = failed = 0
    for notice_id in list(session.scalars(due)):
        if not _claim(notice_id):
            continue  # another sender has it
        if _send_one(notice_id):
            sent += 1
        else:
            failed += 1
    return sent, failed


def _claim(notice_id: int) -> bool:
    """Lease the notice for LEASE, counting the try; False if someone else holds it."""
    session = db.session()
    now = utcnow()
    claimed = session.execute(
        update(_notices)
        .where(
            _notices.c.id == notice_id,
            _notices.c.sent_at.is_(None),
            _notices.c.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + LEASE, attempts=_notices.c.attempts + 1)
    )
    session.commit()
    return bool(getattr(claimed, "rowcount", 0) == 1)


def _send_one(notice_id: int) -> bool:
    session = db.session()
    notice = session.get(Notice, notice_id)
    if notice is None:
        return False
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
        return False
    notice.sent_at = utcnow()
    session.commit()
    return True


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
    thread = threading.Thread(target=_send_in_background, args=(app,), daemon=True)
    thread.start()
    return thread


def _send_in_background(app: Flask) -> None:
    with app.app_context():
        try:
            send_due(limit=AT_ONCE)
        except Exception as exc:  # the timer's run sends what this one could not
            log.warning("notices left for the next run: %s", type(exc).__name__)
