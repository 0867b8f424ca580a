"""Finding a request by its reference or by a phone number, among those a person may see.

A number is found through its keyed index, never by decrypting the table, and every search by
number is audited: who searched and how many requests it found, never the number.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal.casework.queue_scope import scope
from portal.core import crypto, db, phone_numbers
from portal.intake import references
from portal.models import CallbackRequest, StaffUser
from portal.staff import audit

RESULTS_LIMIT = 50


def search(user: StaffUser, text: str) -> list[CallbackRequest]:
    """Requests found by reference or by phone number, as typed, newest urgent ones first."""
    key = references.lookup_key(text)
    phone = phone_numbers.parse_phone(text)
    if key is None and phone is None:
        return []
    conditions = []
    if key is not None:
        conditions.append(CallbackRequest.reference == key)
    if phone is not None:
        conditions.append(CallbackRequest.phone_index == crypto.blind_index(phone))
    query = scope(select(CallbackRequest), user, None).where(or_(*conditions))
    query = query.order_by(CallbackRequest.urgent.desc(), CallbackRequest.created_at.desc())
    query = query.options(
        joinedload(CallbackRequest.station), joinedload(CallbackRequest.assigned_to)
    )
    found = list(db.session().scalars(query.limit(RESULTS_LIMIT)).unique())
    if phone is not None:
        audit.record("queue.search_phone", user, target="requests", found=len(found))
    return found
