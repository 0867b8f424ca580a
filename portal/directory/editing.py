"""The coordinator's changes to the directory: adding, editing, verifying and hiding entries, each
with its audit event; the caller commits."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from portal.core import db
from portal.directory.entries import EDITABLE, clean_entry
from portal.models import DirectoryEntry, StaffUser, utcnow
from portal.staff import audit


def new_uid() -> str:
    return f"loire-{secrets.token_hex(6)}"


def _target(entry: DirectoryEntry) -> str:
    return f"directory:{entry.uid}"


def create_entry(values: Mapping[str, Any], actor: StaffUser | None) -> DirectoryEntry:
    """Add a validated entry to the session with its audit event; the caller commits."""
    clean = clean_entry(values)
    editable = {name: clean[name] for name in EDITABLE}
    entry = DirectoryEntry(uid=clean["uid"] or new_uid(), updated_at=utcnow(), **editable)
    db.session().add(entry)
    db.session().flush()
    audit.record("directory.create", actor, _target(entry))
    return entry


def update_entry(entry: DirectoryEntry, values: Mapping[str, Any], actor: StaffUser) -> list[str]:
    """Apply the editable values; returns the names of the fields that changed."""
    clean = clean_entry({**values, "uid": entry.uid})
    changed = [name for name in EDITABLE if getattr(entry, name) != clean[name]]
    for name in changed:
        setattr(entry, name, clean[name])
    if changed:
        entry.updated_at = utcnow()
        audit.record("directory.update", actor, _target(entry), fields=sorted(changed))
    return changed


def mark_verified(entry: DirectoryEntry, actor: StaffUser) -> None:
    """Someone checked the entry with the service: the clock of staleness starts again."""
    entry.verified_at = utcnow()
    entry.verified_by = actor.display_name or actor.username
    audit.record("directory.verify", actor, _target(entry))


def set_hidden(entry: DirectoryEntry, hidden: bool, actor: StaffUser) -> None:
    """Take an entry off every listing (or put it back) without losing it."""
    entry.hidden = hidden
    audit.record("directory.hide" if hidden else "directory.show", actor, _target(entry))
