"""Spam decisions kept for a while, so that a group closed as spam by mistake can be put back.

Marking spam closes requests without erasing them; each decision remembers its requests and its
group's name. Within the undo period (SPAM_UNDO_DAYS) the coordinator can undo it: the requests
still closed as spam and not yet erased go back to "to check", as they were.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select, update

from portal.core import db
from portal.models import (
    CallbackRequest,
    Lane,
    Outcome,
    RequestStatus,
    SpamDecision,
    StaffUser,
    utcnow,
)
from portal.staff import audit


class UndoRefused(Exception):
    """The decision is unknown, already undone, or older than the undo period."""


def _undo_horizon() -> dt.datetime:
    return utcnow() - dt.timedelta(days=current_app.config["SPAM_UNDO_DAYS"])


def remember(ids: list[int], actor: StaffUser, label: str) -> SpamDecision:
    """Keep the requests a spam decision closed, under the group's name."""
    decision = SpamDecision(actor_id=actor.id, label=label[:120], request_ids=list(ids))
    db.session().add(decision)
    db.session().flush()
    return decision


def undoable() -> list[SpamDecision]:
    """The decisions that can still be undone, newest first."""
    query = (
        select(SpamDecision)
        .where(SpamDecision.undone_at.is_(None), SpamDecision.created_at >= _undo_horizon())
        .order_by(SpamDecision.created_at.desc())
    )
    return list(db.session().scalars(query))


def undo_until(decision: SpamDecision) -> dt.datetime:
    """When the undo period of this decision ends."""
    return decision.created_at + dt.timedelta(days=current_app.config["SPAM_UNDO_DAYS"])


def undo(decision_id: int, actor: StaffUser) -> int:
    """Put the requests of a decision back into "to check"; how many came back."""
    decision = db.session().get(SpamDecision, decision_id)
    if decision is None or decision.undone_at is not None:
        raise UndoRefused
    if decision.created_at < _undo_horizon():
        raise UndoRefused
    still_spam = select(CallbackRequest.id).where(
        CallbackRequest.id.in_(decision.request_ids or [-1]),
        CallbackRequest.status == RequestStatus.CLOSED.value,
        CallbackRequest.outcome == Outcome.SPAM.value,
        CallbackRequest.purged_at.is_(None),
    )
    ids = list(db.session().scalars(still_spam))
    if ids:
        db.session().execute(
            update(CallbackRequest)
            .where(CallbackRequest.id.in_(ids))
            .values(
                version=CallbackRequest.version + 1,
                status=RequestStatus.NEW.value,
                outcome=None,
                closed_at=None,
                lane=Lane.CHECK.value,
            ),
            execution_options={"synchronize_session": False},
        )
    decision.undone_at = utcnow()
    audit.record("triage.spam_undo", actor, target="requests", count=len(ids))
    db.session().flush()
    return len(ids)
