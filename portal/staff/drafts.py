"""What she typed when her session ran out: kept, unsaved, until she is signed in again.

A form sent from a request page after the idle limit cannot act: the session is over. Rather than
lose a call's outcome and note, its fields are kept server-side, encrypted, tied to the account
that held the expired session, for STAFF_DRAFT_MINUTES. After signing in again she lands on the
request with the form filled in; nothing is saved until she sends it herself. Nothing of it goes
into an address or the browser's storage.
"""

from __future__ import annotations

import datetime as dt
import json

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from portal.core import crypto, db
from portal.models import StaffDraft, utcnow

# The forms of a request page worth keeping, and the fields never kept: what proves the page
# was seen (version, token) or a confirmation she gave before the session ended.
KEPT_ACTIONS = frozenset({"attempt", "schedule", "close", "interpreter"})
NEVER_KEPT = frozenset({"version", "confirmed", "csrf_token"})
MAX_VALUE_LENGTH = 4000


def _horizon() -> dt.datetime:
    return utcnow() - dt.timedelta(minutes=current_app.config["STAFF_DRAFT_MINUTES"])


def keep(staff_id: int, request_id: int, action: str, form: MultiDict[str, str]) -> bool:
    """Keep the fields of one action's form sent after the session ended; True when kept."""
    if action not in KEPT_ACTIONS:
        return False
    prefix = f"{action}-"
    fields = [
        (key, value[:MAX_VALUE_LENGTH])
        for key, value in form.items(multi=True)
        if key.startswith(prefix) and key[len(prefix) :] not in NEVER_KEPT
    ]
    if not fields:
        return False
    forget(staff_id, request_id)
    db.session().execute(delete(StaffDraft).where(StaffDraft.created_at < _horizon()))
    sealed = crypto.encrypt(json.dumps(fields)) or ""
    draft = StaffDraft(staff_id=staff_id, request_id=request_id, action=action, data_enc=sealed)
    db.session().add(draft)
    return True


def _fresh(staff_id: int) -> list[StaffDraft]:
    query = (
        select(StaffDraft)
        .where(StaffDraft.staff_id == staff_id, StaffDraft.created_at >= _horizon())
        .order_by(StaffDraft.created_at.desc(), StaffDraft.id.desc())
    )
    return list(db.session().scalars(query))


def latest_request(staff_id: int) -> int | None:
    """The request whose form she was sending when her session ended, if still kept."""
    drafts = _fresh(staff_id)
    return drafts[0].request_id if drafts else None


def pending(staff_id: int, request_id: int) -> tuple[str, MultiDict[str, str]] | None:
    """The kept form of this request: the action's name and its fields, as they were sent."""
    for draft in _fresh(staff_id):
        if draft.request_id == request_id:
            fields = json.loads(crypto.decrypt(draft.data_enc) or "[]")
            return draft.action, MultiDict([(str(k), str(v)) for k, v in fields])
    return None


def forget(staff_id: int, request_id: int, action: str | None = None) -> None:
    """Drop what was kept for this request (or for one of its forms): she saved it."""
    query = delete(StaffDraft).where(
        StaffDraft.staff_id == staff_id, StaffDraft.request_id == request_id
    )
    if action is not None:
        query = query.where(StaffDraft.action == action)
    db.session().execute(query)
