"""An officer corrects or withdraws her own referral while it is open; both are audited, and the
social worker sees on the request what changed (the fields' names, never their old values)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.casework.ranking import calling_rank
from portal.casework.referrals import WITHDRAWN
from portal.casework.windows import window_mask
from portal.core import crypto, db
from portal.intake.callbacks import RequestDetails
from portal.models import CallbackRequest, RequestSource, RequestStatus, StaffUser, utcnow
from portal.staff import audit

# What an officer may correct, in the order of her form.
FIELDS = (
    "phone",
    "name",
    "windows",
    "days",
    "call_language",
    "voicemail_ok",
    "sms_ok",
    "sms_only",
    "if_someone_else",
    "no_call_after",
    "notes",
    "urgent",
    "danger",
    "station",
)


@dataclass(frozen=True)
class ReferralContents:
    """What the officer typed, in clear, to correct it: read only by her, and audited."""

    phone: str | None
    name: str | None
    notes: str | None
    cover_story: str | None


def own_open_referral(officer: StaffUser, request_id: int) -> CallbackRequest | None:
    """One of the officer's own referrals still open; None for anything else."""
    found = db.session().get(CallbackRequest, request_id)
    if found is None or found.referrer_id != officer.id or not found.is_open:
        return None
    if found.source != RequestSource.REFERRAL.value:
        return None
    return found


def read_contents(officer: StaffUser, request: CallbackRequest) -> ReferralContents:
    """Her referral's personal fields in clear, for her correction form; audited."""
    audit.record("referral.open", officer, target=f"request:{request.id}")
    return ReferralContents(
        phone=crypto.decrypt(request.phone_enc),
        name=crypto.decrypt(request.name_enc),
        notes=crypto.decrypt(request.message_enc),
        cover_story=crypto.decrypt(request.cover_story_enc),
    )


def _plain_changes(request: CallbackRequest, details: RequestDetails) -> dict[str, Any]:
    """The fields stored as they are, by the name the correction reports them under."""
    return {
        "windows": ("safe_windows", list(details.safe_windows)),
        "days": ("safe_days", sorted(details.safe_days) if details.safe_days else None),
        "call_language": ("call_language", details.call_language),
        "voicemail_ok": ("voicemail_ok", details.voicemail_ok),
        "sms_ok": ("sms_ok", details.sms_ok or details.sms_only),
        "sms_only": ("sms_only", details.sms_only),
        "no_call_after": ("do_not_call_after", details.do_not_call_after),
        "urgent": ("urgent", details.urgent),
        "station": ("station_id", details.station_id),
    }


def _danger_changed(request: CallbackRequest, details: RequestDetails) -> bool:
    return (request.danger_characterised, request.danger_red_answers) != (
        details.danger_characterised,
        details.danger_red_answers,
    )


def correct(officer: StaffUser, request: CallbackRequest, details: RequestDetails) -> list[str]:
    """Write the officer's corrections over her referral; returns the names of what changed."""
    changed = []
    for name, (column, value) in _plain_changes(request, details).items():
        if getattr(request, column) != value:
            setattr(request, column, value)
            changed.append(name)
    secret = {
        "phone": ("phone_enc", details.phone_e164),
        "name": ("name_enc", details.name),
        "notes": ("message_enc", details.message),
        "if_someone_else": ("cover_story_enc", details.cover_story),
    }
    for name, (column, value) in secret.items():
        if crypto.decrypt(getattr(request, column)) != value:
            setattr(request, column, crypto.encrypt(value))
            changed.append(name)
    if "phone" in changed:  # another number: another entry in the queue
        request.phone_index = crypto.blind_index(details.phone_e164)
        request.duplicate_of_id = None
    if _danger_changed(request, details):
        request.danger_characterised = details.danger_characterised
        request.danger_red_answers = details.danger_red_answers
        changed.append("danger")
    if not changed:
        return []
    changed.sort(key=FIELDS.index)
    request.window_mask = window_mask(request.safe_windows, request.safe_days)
    request.calling_rank = calling_rank(request.urgent, request.trust, request.danger_characterised)
    request.corrected_at = utcnow()
    request.corrected_fields = changed
    db.session().flush()
    audit.record("referral.correct", officer, target=f"request:{request.id}", changed=changed)
    return changed


def withdraw(officer: StaffUser, request: CallbackRequest) -> None:
    """The officer takes her referral back: it leaves the queue, said as such on the request."""
    request.status = RequestStatus.CANCELLED.value
    request.outcome = WITHDRAWN
    request.closed_at = utcnow()
    request.next_attempt_at = None
    db.session().flush()
    audit.record("referral.withdraw", officer, target=f"request:{request.id}")
