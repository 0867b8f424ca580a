"""Corrections to the directory proposed by professionals: the coordinator accepts or refuses
each one, and every step is audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core import db
from portal.directory import editing, entries
from portal.models import DirectoryCorrection, DirectoryEntry, StaffUser, utcnow
from portal.staff import audit

# What a professional may propose to change: contacts, hours, place and how to refer.
CORRECTABLE = (
    "phone",
    "email",
    "website",
    "opening_hours",
    "address",
    "postcode",
    "commune",
    "description",
    "pro_phone",
    "pro_email",
    "referral_procedure",
)
PENDING, ACCEPTED, REFUSED = "pending", "accepted", "refused"


class NothingChanged(ValueError):
    """The proposal is the entry as it is."""


class AlreadyDecided(ValueError):
    """Someone decided on this correction already."""


def current_values(entry: DirectoryEntry) -> dict[str, Any]:
    """The entry as values for entries.clean_entry."""
    return {name: getattr(entry, name) for name in entries.EDITABLE}


def propose(
    entry: DirectoryEntry, proposed: Mapping[str, str], note: str, actor: StaffUser
) -> DirectoryCorrection:
    """Store the changed fields, checked by the entry's own rules (EntryInvalid otherwise)."""
    wanted = {k: (proposed.get(k) or "").strip() for k in CORRECTABLE if k in proposed}
    clean = entries.clean_entry({**current_values(entry), **wanted, "uid": entry.uid})
    changes = {k: clean[k] for k in wanted if clean[k] != getattr(entry, k)}
    if not changes and not note.strip():
        raise NothingChanged()
    correction = DirectoryCorrection(
        entry_id=entry.id,
        proposed_by_id=actor.id,
        changes=changes,
        note=note.strip()[:2000],
        status=PENDING,
    )
    db.session().add(correction)
    db.session().flush()
    audit.record("directory.propose", actor, f"directory:{entry.uid}", fields=sorted(changes))
    return correction


def _decide(correction: DirectoryCorrection, status: str, actor: StaffUser) -> None:
    if correction.status != PENDING:
        raise AlreadyDecided()
    correction.status = status
    correction.decided_by_id = actor.id
    correction.decided_at = utcnow()


def accept(correction: DirectoryCorrection, actor: StaffUser) -> list[str]:
    """Apply the proposed values to the entry; returns the fields that changed. Checked first, so
    that a refusal (AlreadyDecided, EntryInvalid) leaves both the entry and the correction as
    they were."""
    entry = correction.entry
    values = {**current_values(entry), **correction.changes}
    entries.clean_entry({**values, "uid": entry.uid})
    _decide(correction, ACCEPTED, actor)
    changed = editing.update_entry(entry, values, actor)
    audit.record("directory.accept", actor, f"directory:{entry.uid}", fields=sorted(changed))
    return changed


def refuse(correction: DirectoryCorrection, actor: StaffUser) -> None:
    _decide(correction, REFUSED, actor)
    audit.record("directory.refuse", actor, f"directory:{correction.entry.uid}")


def pending() -> list[DirectoryCorrection]:
    """Corrections waiting for the coordinator, oldest first."""
    query = (
        select(DirectoryCorrection)
        .where(DirectoryCorrection.status == PENDING)
        .options(joinedload(DirectoryCorrection.entry), joinedload(DirectoryCorrection.proposed_by))
        .order_by(DirectoryCorrection.id)
    )
    return list(db.session().scalars(query))
