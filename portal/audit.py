"""The audit log: append-only events chained by hashes, so that tampering shows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from . import db
from .models import AuditEvent, AuditHead, StaffUser, utcnow
from .timezone import PARIS

GENESIS = "0" * 64


def event_hash(
    prev_hash: str,
    created_at: dt.datetime,
    actor: str,
    action: str,
    target: str,
    details: dict[str, Any],
) -> str:
    """The hash of one event, covering the previous event's hash."""
    payload = json.dumps(
        [prev_hash, created_at.isoformat(timespec="microseconds"), actor, action, target, details],
        sort_keys=True,
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    action: str,
    actor: StaffUser | None = None,
    target: str = "",
    actor_label: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an event to the current transaction; the caller commits it with the action itself.

    Never put personal data of a victim in details: say what was done and to which record.
    """
    session = db.session()
    # Taking the head row first serialises writers on every backend, so the chain never forks.
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(id=1))
    head = session.get(AuditHead, 1)
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        session.add(head)
        session.flush()
    created_at = utcnow()
    label = actor_label or (actor.username if actor else "system")
    digest = event_hash(head.last_hash, created_at, label, action, target, details)
    event = AuditEvent(
        created_at=created_at,
        actor_id=actor.id if actor else None,
        actor=label,
        action=action,
        target=target,
        details=details,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(event)
    head.last_hash = digest
    return event


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    reason: str


def verify_chain(batch: int = 1000) -> BrokenLink | None:
    """Walk the log in order; the first event whose hash or link does not hold, or None."""
    session = db.session()
    prev = GENESIS
    last_id = 0
    while True:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            break
        for event in events:
            if event.prev_hash != prev:
                return BrokenLink(event.id, "does not follow the previous event")
            expected = event_hash(
                event.prev_hash,
                event.created_at,
                event.actor,
                event.action,
                event.target,
                event.details or {},
            )
            if expected != event.hash:
                return BrokenLink(event.id, "its content was changed")
            prev = event.hash
            last_id = event.id
    head = session.get(AuditHead, 1)
    # The head row remembers the last event: removing both still shows, as the head is then gone.
    if (head.last_hash if head is not None else GENESIS) != prev:
        return BrokenLink(last_id, "events after it were removed")
    return None


def action_names() -> list[str]:
    """Every action the log holds, for the search form's list."""
    query = select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    return list(db.session().scalars(query))


def _paris_midnight(day: dt.date) -> dt.datetime:
    """The start of a day as people read it (Paris time), in the naive UTC that is stored."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=PARIS)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def search(
    action: str | None = None,
    actor: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    before: int | None = None,
    limit: int = 50,
) -> tuple[list[AuditEvent], bool]:
    """Events newest first, filtered (days are Paris days, `until` included), a page at a time
    below the id `before`; with whether more are left."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor == actor.strip().lower())
    if since:
        query = query.where(AuditEvent.created_at >= _paris_midnight(since))
    if until:
        query = query.where(AuditEvent.created_at < _paris_midnight(until + dt.timedelta(days=1)))
    if before:
        query = query.where(AuditEvent.id < before)
    events = list(db.session().scalars(query.limit(limit + 1)))
    return events[:limit], len(events) > limit
