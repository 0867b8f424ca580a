"""Every confirmation code ever shown opens the request it was written into.

A request's first code lives in its row (`cancel_hash`); a request written over another one
(a number past its bound) leaves its code here, pointing at the row it was written into.
Only hashes are kept; erasing a request erases its codes with it.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import object_session

from portal.core import crypto, db
from portal.models import CallbackRequest, RequestCode

_codes = db.table_of(RequestCode)
_ADD = insert(_codes)


def add(connection: Connection, code_hash: str, request_id: int) -> None:
    """Keep a code shown for a request written over `request_id`."""
    connection.execute(_ADD, {"code_hash": code_hash, "request_id": request_id})


def find(code: str) -> CallbackRequest | None:
    """The request this code opens, from its row or from the codes written over it."""
    target = crypto.code_hash(code)
    session = db.session()
    found = session.scalars(
        select(CallbackRequest).where(CallbackRequest.cancel_hash == target)
    ).first()
    if found is not None:
        return found
    query = select(CallbackRequest).join(RequestCode).where(RequestCode.code_hash == target)
    return session.scalars(query).first()


def forget(request: CallbackRequest) -> None:
    """Erase the codes written over this request, with its own (see erase_personal_data)."""
    session = object_session(request)
    if session is not None and request.id is not None:
        session.execute(delete(RequestCode).where(RequestCode.request_id == request.id))
