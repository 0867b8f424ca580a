"""Creating and cancelling callback requests: the one place where they are written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal.casework.ranking import TRUSTED, calling_rank
from portal.casework.windows import window_mask
from portal.core import crypto, db, pipelines, transactions
from portal.intake import confirmation_codes, lanes, number_entry, references
from portal.models import (
    CallbackRequest,
    Lane,
    NoticeKind,
    RequestSource,
    RequestStatus,
    utcnow,
)
from portal.models.personal_data import erase, sealed
from portal.reporting import outbox


class StorageError(Exception):
    """The request could not be stored; the person must be told, never shown a confirmation."""


@dataclass
class RequestDetails:
    phone_e164: str
    call_language: str
    page_language: str
    safe_windows: list[str]
    urgent: bool = False
    safe_days: list[int] | None = None
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
    # An officer's danger assessment: characterised or not, and the number of red answers.
    danger_characterised: bool = False
    danger_red_answers: int | None = None


@dataclass(frozen=True)
class Submitted:
    """What the confirmation page may tell: never the person's own data."""

    cancel_code: str
    stored: bool
    request_id: int | None = None


# A new reference that happens to be taken already is drawn again, this many times at most.
REFERENCE_DRAWS = 3


def _insert(connection: Connection, values: Mapping[str, object]) -> int:
    """Insert the request under a fresh reference, drawing another if that one is taken.

    Pipelined (the public side on PostgreSQL), the id was drawn beforehand and a clash fails the
    COMMIT: the whole transaction is tried again. Inside a page's transaction each try is a
    savepoint, so a clash does not spoil the rest.
    """
    drawn = pipelines.drawn_id(connection)
    if drawn is not None:
        connection.execute(
            number_entry.INSERT_REQUEST,
            {**values, "id": drawn, "reference": references.new_reference()},
        )
        return drawn
    autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    for draw in range(REFERENCE_DRAWS):
        row = {**values, "reference": references.new_reference()}
        try:
            if autocommit:
                result = connection.execute(number_entry.INSERT_REQUEST, row)
            else:
                with connection.begin_nested():
                    result = connection.execute(number_entry.INSERT_REQUEST, row)
        except IntegrityError:
            if draw == REFERENCE_DRAWS - 1:
                raise
            continue
        key = result.inserted_primary_key  # a row for an INSERT of one row
        if key is None:
            raise SQLAlchemyError("the insert returned no primary key")
        return int(key[0])
    raise AssertionError("unreachable")


def _lane(details: RequestDetails, trust: str, siblings: list[number_entry.Sibling]) -> str:
    """Cards and referrals, and requests joining an entry already in the queue, go to the queue;
    a solved proof of work within its bounded rate too; the rest as unknown requests do."""
    if trust in TRUSTED or details.source == RequestSource.REFERRAL.value:
        return Lane.QUEUE.value
    if siblings and siblings[0].lane == Lane.QUEUE.value:
        return Lane.QUEUE.value
    if trust == lanes.Trust.PROOF and lanes.proof_within_rate(details.station_id):
        return Lane.QUEUE.value
    return lanes.lane_for_unknown()


def _values(details: RequestDetails, trust: str, lane: str, cancel_code: str) -> dict[str, Any]:
    """The stored columns of one request."""
    checking = lane == Lane.CHECK.value
    return {
        "station_id": details.station_id,
        "card_batch_id": details.card_batch_id,
        "source": details.source,
        "urgent": details.urgent,
        "safe_windows": list(details.safe_windows),
        "safe_days": sorted(details.safe_days) if details.safe_days else None,
        "voicemail_ok": details.voicemail_ok,
        "sms_ok": details.sms_ok or details.sms_only,
        "sms_only": details.sms_only,
        "call_language": details.call_language,
        "page_language": details.page_language,
        "do_not_call_after": details.do_not_call_after,
        **sealed(
            CallbackRequest,
            phone=details.phone_e164,
            name=details.name,
            message=details.message,
            cover_story=details.cover_story,
        ),
        "cancel_hash": crypto.code_hash(cancel_code),
        "window_mask": window_mask(details.safe_windows, details.safe_days),
        "referrer_id": details.referrer_id,
        "danger_characterised": details.danger_characterised,
        "danger_red_answers": details.danger_red_answers,
        "calling_rank": calling_rank(details.urgent, trust, details.danger_characterised),
        "lane": lane,
        "trust": trust,
        "network_label": lanes.network_label() if checking else None,
        "text_label": lanes.text_label(details.name, details.message) if checking else None,
    }


def submit_request(
    details: RequestDetails,
    trust: str = lanes.Trust.NONE.value,
    connection: Connection | None = None,
) -> Submitted:
    """Store a request; raise StorageError if that fails.

    From the public form (no `connection`), when this returns the request is committed: all it
    writes (the request, its entry's head, its code, its notice) is one transaction of its own,
    under the lock of its number (see `pipelines`). This is the one write that does not wait for
    the request's commit (see `transactions`): the confirmation depends on it alone.

    A staff page passes its own session's connection instead: the request is then written in
    that page's transaction, with its audit event, and committed with it; the station hears of
    it once that commit is done.

    Every request is stored. Requests from one number form one entry in the queue, headed by
    the oldest open one. Once a number has MAX_OPEN_PER_PHONE open requests, a new one is written
    over the newest of them (its count kept in folded_count; the code shown still opens it): one
    number's storage is bounded, and the newest details are always the ones shown. An officer's
    referral is always added.
    """
    if details.source == RequestSource.REFERRAL.value:
        trust = lanes.Trust.REFERRAL.value
    cancel_code = crypto.new_code(8)
    phone_index = crypto.blind_index(details.phone_e164)
    try:
        if connection is not None:
            _lock_number(connection, phone_index)
            request_id = _store(connection, details, trust, cancel_code, phone_index)
            transactions.after_commit(outbox.send_soon)
        else:
            # The page's reads are done: its connection goes back before the submission takes
            # its own, so that a request never holds two while it waits for the number's lock.
            db.give_back_connection()
            request_id = _store_alone(details, trust, cancel_code, phone_index)
            outbox.send_soon()
    except SQLAlchemyError as exc:
        raise StorageError from exc
    return Submitted(cancel_code=cancel_code, stored=True, request_id=request_id)


def _store_alone(details: RequestDetails, trust: str, cancel_code: str, phone_index: str) -> int:
    """Store in a transaction of its own, drawing another reference if the first was taken."""
    key = pipelines.lock_key(phone_index)
    for draw in range(REFERENCE_DRAWS):
        try:
            with pipelines.locked_transaction(db.engine(), key, "callback_request") as conn:
                return _store(conn, details, trust, cancel_code, phone_index)
        except IntegrityError:
            if draw == REFERENCE_DRAWS - 1:
                raise
    raise AssertionError("unreachable")


def _lock_number(connection: Connection, phone_index: str) -> None:
    """In a page's transaction on PostgreSQL, sends from one number wait for each other."""
    if connection.dialect.name == "postgresql":
        lock = text("SELECT pg_advisory_xact_lock(:key)")
        connection.execute(lock, {"key": pipelines.lock_key(phone_index)})


def _store(
    connection: Connection,
    details: RequestDetails,
    trust: str,
    cancel_code: str,
    phone_index: str,
) -> int:
    """Write the request into its number's entry; returns its id."""
    siblings = number_entry.open_siblings(connection, phone_index)
    lane = _lane(details, trust, siblings)
    _add_notices(connection, details, lane, siblings)
    differ = number_entry.details_differ(details, siblings)
    values = _values(details, trust, lane, cancel_code)
    # What is known of the number stays known: a new request carries its warnings.
    values["name_conflict"] = differ or any(s.name_conflict for s in siblings)
    values["risk_flagged_at"] = connection.execute(
        number_entry.RISK_OF_NUMBER, {"phone_index": phone_index}
    ).scalar()
    bound = max(1, int(current_app.config["MAX_OPEN_PER_PHONE"]))
    # An officer's referral is never written over: the bound is for the public side.
    if len(siblings) >= bound and trust != lanes.Trust.REFERRAL:
        request_id = number_entry.fold_over_newest(connection, siblings, values)
        # The row keeps its first code; this one opens it too.
        confirmation_codes.add(connection, values["cancel_hash"], request_id)
    else:
        values.update(
            phone_index=phone_index,
            duplicate_of_id=siblings[0].id if siblings else None,
        )
        request_id = _insert(connection, values)
    if siblings:
        number_entry.update_head(connection, siblings[0], details, lane, trust, phone_index)
    if differ:
        connection.execute(number_entry.DETAILS_DIFFER, {"number_index": phone_index})
    return request_id


def _add_notices(
    connection: Connection, details: RequestDetails, lane: str, siblings: list[number_entry.Sibling]
) -> None:
    """One notice per entry that enters a station's queue (a new one, or one a trusted request
    lifts out of "to check"); none per request in "to check", where one flood notice does."""
    entering = not siblings or siblings[0].lane != Lane.QUEUE.value
    if lane == Lane.QUEUE.value and entering:
        outbox.add(connection, NoticeKind.NEW_ENTRY, details.station_id, details.urgent)
    elif lane == Lane.CHECK.value and lanes.flood_notice_due():
        outbox.add(connection, NoticeKind.FLOOD, None, False)


def erase_personal_data(request: CallbackRequest) -> None:
    """Blank every personal field of a request, keeping the anonymous ones for statistics."""
    erase(request)
    request.purged_at = utcnow()
    confirmation_codes.forget(request)


def cancel_request(code: str) -> bool:
    """Cancel the open request this code belongs to and erase its personal data at once.

    Returns whether a request matched; callers must not show that to the person. Raises
    StorageError if the change cannot be written.
    """
    session = db.session()
    found = confirmation_codes.find(code)
    if found is not None and not found.is_open:
        found = None
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
