"""The audit log: append-only events chained by hashes, so that tampering shows."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update

from portal.core import crypto, db
from portal.core.timezone import PARIS
from portal.models import AuditEvent, AuditHead, CallbackRequest, DirectoryEntry, StaffUser, utcnow

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


def _seal(base_hash: str) -> str:
    return crypto.blind_index(base_hash, purpose="audit-start")


def _verified_start(head: AuditHead | None) -> str | None:
    """The hash the oldest kept event follows: the genesis, or a sealed checkpoint."""
    if head is None or head.base_hash is None:
        return GENESIS
    if head.base_seal is None or not hmac.compare_digest(head.base_seal, _seal(head.base_hash)):
        return None
    return head.base_hash


def trim(before: dt.datetime) -> int:
    """Delete the events older than `before` (the log's retention), sealing where the kept chain
    starts so that it still verifies; returns how many were deleted."""
    session = db.session()
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(id=1))  # as record() does
    last_old = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.created_at < before)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    head = session.get(AuditHead, 1)
    if last_old is None or head is None:
        return 0
    deleted = session.execute(delete(AuditEvent).where(AuditEvent.id <= last_old.id))
    head.base_hash = last_old.hash
    head.base_seal = _seal(last_old.hash)
    session.flush()
    return int(getattr(deleted, "rowcount", 0) or 0)


def verify_chain(batch: int = 1000) -> BrokenLink | None:
    """Walk the log in order; the first event whose hash or link does not hold, or None."""
    session = db.session()
    head = session.get(AuditHead, 1)
    prev = _verified_start(head)
    if prev is None:
        return BrokenLink(0, "the seal of its starting point does not hold")
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
    # The head row remembers the last event: removing both still shows, as the head is then gone.
    if (head.last_hash if head is not None else GENESIS) != prev:
        return BrokenLink(last_id, "events after it were removed")
    return None


def people() -> list[tuple[int, str, str]]:
    """Every staff member by display name, for the search form's list: id, name, username."""
    query = select(StaffUser.id, StaffUser.display_name, StaffUser.username)
    rows = db.session().execute(query.order_by(StaffUser.display_name))
    return [(ident, name, username) for ident, name, username in rows]


def action_names() -> list[str]:
    """Every action the log holds, for the search form's list."""
    query = select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    return list(db.session().scalars(query))


def _paris_midnight(day: dt.date) -> dt.datetime:
    """The start of a day as people read it (Paris time), in the naive UTC that is stored."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=PARIS)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


# --- Reading the log as people do: names and references, not the code's identifiers. ---


@dataclass(frozen=True)
class ReadableEvent:
    """An event with the names staff know: the person's display name, the request's reference."""

    event: AuditEvent
    actor: str
    target: str
    # Other records the details name (a colleague a request was handed to), by detail key.
    named: dict[str, str]


def _ids(values: list[str], kind: str) -> set[int]:
    prefix = f"{kind}:"
    return {
        int(v[len(prefix) :]) for v in values if v.startswith(prefix) and v[len(prefix) :].isdigit()
    }


def _names(events: list[AuditEvent]) -> dict[str, str]:
    """Every `user:N`, `request:N` and `directory:UID` the events mention, and what to call it."""
    mentioned = [e.target for e in events]
    mentioned += [v for e in events for v in (e.details or {}).values() if isinstance(v, str)]
    session = db.session()
    names: dict[str, str] = {}
    people = _ids(mentioned, "user") | {e.actor_id for e in events if e.actor_id}
    if people:
        query = select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(people))
        names.update((f"user:{i}", name) for i, name in session.execute(query))
    requests = _ids(mentioned, "request")
    if requests:
        query = select(CallbackRequest.id, CallbackRequest.reference)
        query = query.where(CallbackRequest.id.in_(requests))
        names.update((f"request:{i}", ref) for i, ref in session.execute(query))
    uids = {v.split(":", 1)[1] for v in mentioned if v.startswith("directory:")}
    if uids:
        listed = select(DirectoryEntry.uid, DirectoryEntry.name).where(DirectoryEntry.uid.in_(uids))
        names.update((f"directory:{uid}", name) for uid, name in session.execute(listed))
    return names


def readable(events: list[AuditEvent]) -> list[ReadableEvent]:
    """The events with names resolved in three queries, whatever their number."""
    names = _names(events)
    found = []
    for event in events:
        actor = names.get(f"user:{event.actor_id}", event.actor) if event.actor_id else event.actor
        details = event.details or {}
        named = {k: names[v] for k, v in details.items() if isinstance(v, str) and v in names}
        found.append(ReadableEvent(event, actor, names.get(event.target, event.target), named))
    return found


@dataclass(frozen=True)
class EventFilter:
    """What the coordinator asks the log for; every part optional."""

    action: str = ""
    actor_username: str = ""
    person_id: int | None = None
    reference: str = ""
    # Paris days, both included.
    since: dt.date | None = None
    until: dt.date | None = None
    before_id: int | None = None


def request_by_reference(reference: str) -> CallbackRequest | None:
    """The request a reference names, typed in any case, with or without spaces and dashes."""
    typed = "".join(ch for ch in reference.upper() if ch.isalnum())
    if not typed:
        return None
    stored = func.upper(func.replace(func.replace(CallbackRequest.reference, "-", ""), " ", ""))
    return db.session().scalars(select(CallbackRequest).where(stored == typed)).first()


def events(wanted: EventFilter, limit: int) -> list[AuditEvent]:
    """The newest events matching the filter, at most `limit`; a person is actor or target."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    if wanted.actor_username:
        query = query.where(AuditEvent.actor == wanted.actor_username.strip().lower())
    if wanted.person_id is not None:
        person = wanted.person_id
        query = query.where(
            (AuditEvent.actor_id == person) | (AuditEvent.target == f"user:{person}")
        )
    if wanted.reference:
        found = request_by_reference(wanted.reference)
        query = query.where(AuditEvent.target == (f"request:{found.id}" if found else "-"))
    if wanted.since:
        query = query.where(AuditEvent.created_at >= _paris_midnight(wanted.since))
    if wanted.until:
        end = _paris_midnight(wanted.until + dt.timedelta(days=1))
        query = query.where(AuditEvent.created_at < end)
    if wanted.before_id:
        query = query.where(AuditEvent.id < wanted.before_id)
    return list(db.session().scalars(query.limit(limit)))
