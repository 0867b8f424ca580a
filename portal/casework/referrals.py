"""What an officer may know of her own referrals: the reference, the day, and whether a first
call was tried. Nothing of the person, nothing of the follow-up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from portal.core import db
from portal.models import CallbackRequest, StaffUser, Station
from portal.staff import access

# The list stops here; older referrals are of no use to pass on.
MY_REFERRALS_LIMIT = 100


@dataclass(frozen=True)
class ReferralLine:
    reference: str
    created_at: dt.datetime
    first_contact: bool


@dataclass(frozen=True)
class Receipt:
    """What to tell the person before she leaves: who will call, from which number, and when."""

    reference: str
    created_at: dt.datetime
    station_name: str
    callback_number: str
    safe_windows: list[str]
    urgent: bool
    sms_only: bool


def referrals_of(officer: StaffUser, limit: int = MY_REFERRALS_LIMIT) -> list[ReferralLine]:
    """The officer's own referrals, newest first."""
    query = (
        select(
            CallbackRequest.reference,
            CallbackRequest.created_at,
            CallbackRequest.first_attempt_at.is_not(None),
        )
        .where(access.own_referrals(officer))
        .order_by(CallbackRequest.created_at.desc(), CallbackRequest.id.desc())
        .limit(limit)
    )
    return [ReferralLine(ref, at, bool(done)) for ref, at, done in db.session().execute(query)]


def receipt_for(officer: StaffUser, request_id: int) -> Receipt | None:
    """The receipt of one of the officer's referrals; None for anyone else's."""
    found = db.session().get(CallbackRequest, request_id)
    if found is None or not access.may_follow_referral(officer, found):
        return None
    station = db.session().get(Station, found.station_id) if found.station_id else None
    number = (station.callback_number if station else None) or current_app.config[
        "COORDINATOR_PHONE"
    ]
    return Receipt(
        reference=found.reference,
        created_at=found.created_at,
        station_name=station.name if station else "",
        callback_number=number,
        safe_windows=list(found.safe_windows),
        urgent=found.urgent,
        sms_only=found.sms_only,
    )
