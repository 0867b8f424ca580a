"""Her recent sign-ins and refusals, read from the audit log for her account page."""

from __future__ import annotations

from sqlalchemy import select

from portal.core import db
from portal.models import AuditEvent, StaffUser

ACTIONS = ("login.success", "login.failure", "login.locked", "oidc.refused", "oidc.link")
SHOWN = 10


def recent(user: StaffUser) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.target == f"user:{user.id}", AuditEvent.action.in_(ACTIONS))
        .order_by(AuditEvent.id.desc())
        .limit(SHOWN)
    )
    return list(db.session().scalars(query))
