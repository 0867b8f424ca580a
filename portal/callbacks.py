"""Creating and cancelling callback requests: the one place where they are written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import SQLAlchemyError

from . import crypto, db, notify, transactions
from .models import OPEN_STATUSES, CallbackRequest, RequestSource, RequestStatus, utcnow
from .windows import window_mask


class StorageError(Exception):
    """The request could not be stored; the person must be told, never shown a confirmation."""


@dataclass
class RequestDetails:
    phone_e164: str
    call_language: str
    page_language: str
    safe_windows: list[str]
    urgent: bool = False
    name: str | None = None
    message: str | None = None
    voicemail_ok: bool = False
    sms_ok: bool = False
    sms_only: bool = False
    cover_story: str | None = None
    do_not_call_after: dt.date | None = None
    station_id: int | None = None
    card_batch_id: int | None = None
    source: str = RequestSource.SELF.value
    referrer_id: int | None = None


@dataclass(frozen=True)
class Submitted:
    """What the confirmation page may tell: never the person's own data."""

    cancel_code: str
    stored: bool
    request_id: int | None = None


_requests = db.table_of(CallbackRequest)
# Built once: both statements run on every submission.
_OPEN_SIBLINGS = (
    select(_requests.c.id, _requests.c.name_enc)
    .where(
        _requests.c.phone_index == bindparam("phone_index"),
        _requests.c.status.in_(OPEN_STATUSES),
    )
    .order_by(_requests.c.id)
)
_INSERT_REQUEST = insert(_requests)


def _open_siblings(connection: Connection, phone_index: str) -> list[tuple[int, str | None]]:
    """(id, encrypted name) of the open requests from the same number, oldest first."""
    rows = connection.execute(_OPEN_SIBLINGS, {"phone_index": phone_index})
    return [(ident, name_enc) for ident, name_enc in rows]


def _names_differ(name: str | None, sibling_names: list[str | None]) -> bool:
    """Another name for the same number may mean someone is probing for the person."""
    if not name:
        return False
    mine = name.casefold()
    others = (crypto.decrypt(token) for token in sibling_names if token)
    return any(other.casefold() != mine for other in others if other)


def _new_reference() -> str:
    return "R" + crypto.new_code(8).replace("-", "")


def submit_request(details: RequestDetails, connection: Connection | None = None) -> Submitted:
    """Store a request; raise StorageError if that fails.

    From the public form (no `connection`), when this returns the request is committed: it is
    written by a single INSERT on a connection of its own in autocommit mode, which the database
    makes durable before it answers; BEGIN and COMMIT cost no round trips on the public side's
    busiest write. This is the one write that does not wait for the request's commit (see
    `transactions`): the confirmation depends on it alone.

    A staff page passes its own session's connection instead: the request is then written in
    that page's transaction, with its audit event, and committed with it; the station hears of
    it once that commit is done.

    Over the per-number cap, nothing is stored but the answer looks the same, so that the public
    side never tells whether a number has already asked. The cap is there against floods from
    the public side: an officer's referral is always stored.
    """
    cancel_code = crypto.new_code(8)
    phone_index = crypto.blind_index(details.phone_e164)
    try:
        if connection is not None:
            request_id = _store(connection, details, cancel_code, phone_index)
        else:
            with db.engine().connect() as plain:
                autocommit = plain.execution_options(isolation_level="AUTOCOMMIT")
                request_id = _store(autocommit, details, cancel_code, phone_index)
    except SQLAlchemyError as exc:
        raise StorageError from exc
    if request_id is None:
        return Submitted(cancel_code=crypto.new_code(8), stored=False)
    if connection is not None:
        transactions.after_commit(lambda: notify.new_request(details.station_id, details.urgent))
    else:
        notify.new_request(details.station_id, details.urgent)
    return Submitted(cancel_code=cancel_code, stored=True, request_id=request_id)


def _store(
    connection: Connection, details: RequestDetails, cancel_code: str, phone_index: str
) -> int | None:
    """Insert the request; None, storing nothing, when the number is over its cap."""
    siblings = _open_siblings(connection, phone_index)
    capped = len(siblings) >= current_app.config["MAX_OPEN_PER_PHONE"]
    if capped and details.source == RequestSource.SELF.value:
        return None
    values = {
        "reference": _new_reference(),
        "station_id": details.station_id,
        "card_batch_id": details.card_batch_id,
        "source": details.source,
        "urgent": details.urgent,
        "safe_windows": list(details.safe_windows),
        "voicemail_ok": details.voicemail_ok,
        "sms_ok": details.sms_ok or details.sms_only,
        "sms_only": details.sms_only,
        "call_language": details.call_language,
        "page_language": details.page_language,
        "do_not_call_after": details.do_not_call_after,
        "phone_enc": crypto.encrypt(details.phone_e164),
        "name_enc": crypto.encrypt(details.name),
        "message_enc": crypto.encrypt(details.message),
        "cover_story_enc": crypto.encrypt(details.cover_story),
        "phone_index": phone_index,
        "cancel_hash": crypto.code_hash(cancel_code),
        "window_mask": window_mask(details.safe_windows),
        "referrer_id": details.referrer_id,
        "duplicate_of_id": siblings[0][0] if siblings else None,
        "name_conflict": _names_differ(details.name, [name for _id, name in siblings]),
    }
    result = connection.execute(_INSERT_REQUEST, values)
    key = result.inserted_primary_key  # a row for an INSERT of one row
    if key is None:
        raise SQLAlchemyError("the insert returned no primary key")
    return int(key[0])


def erase_personal_data(request: CallbackRequest) -> None:
    """Blank every personal field of a request, keeping the anonymous ones for statistics."""
    request.phone_enc = None
    request.name_enc = None
    request.message_enc = None
    request.cover_story_enc = None
    request.phone_index = None
    request.cancel_hash = None
    request.purged_at = utcnow()


def cancel_request(code: str) -> bool:
    """Cancel the open request this code belongs to and erase its personal data at once.

    Returns whether a request matched; callers must not show that to the person. Raises
    StorageError if the change cannot be written.
    """
    session = db.session()
    target = crypto.code_hash(code)
    found = session.scalars(
        select(CallbackRequest).where(
            CallbackRequest.cancel_hash == target, CallbackRequest.status.in_(OPEN_STATUSES)
        )
    ).first()
    if found is None:
        return False
    found.status = RequestStatus.CANCELLED.value
    found.closed_at = utcnow()
    erase_personal_data(found)
    try:
        # Written now, so that a refusal is known here; the request's end commits it.
        session.flush()
    except SQLAlchemyError as exc:
        session.rollback()
        raise StorageError from exc
    return True
