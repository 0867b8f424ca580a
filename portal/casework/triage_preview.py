"""What the coordinator reads before marking a group as spam: groups named in words, and the
group's requests with the first words of their text. Reading those texts is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import format_datetime
from flask_babel import gettext as _

from portal.casework import triage
from portal.core import crypto
from portal.core.timezone import PARIS
from portal.models import CallbackRequest, StaffUser
from portal.staff import audit

OPENING_WORDS = 8


def opening(text: str | None, words: int = OPENING_WORDS) -> str:
    """The first words of a text, on one line, with an ellipsis when there is more."""
    if not text:
        return ""
    parts = text.split()
    shown = " ".join(parts[:words])
    return shown + "…" if len(parts) > words else shown


def _time_name(group: triage.Group) -> str:
    start = group.first.replace(tzinfo=dt.UTC).astimezone(PARIS)
    start = start.replace(minute=start.minute - start.minute % triage.TIME_BUCKET_MINUTES)
    end = start + dt.timedelta(minutes=triage.TIME_BUCKET_MINUTES)
    return _(
        "%(day)s, %(start)s–%(end)s",
        day=format_datetime(start, "EEEE d MMMM"),
        start=format_datetime(start, "HH:mm"),
        end=format_datetime(end, "HH:mm"),
    )


def group_names(by: str, groups: list[triage.Group], actor: StaffUser) -> dict[str, str]:
    """Each group's name as a coordinator reads it: Paris time, "network 1", the first words of
    the group's text (decrypted from its first request: an audited reading)."""
    if by == "time":
        return {group.key: _time_name(group) for group in groups}
    if by == "network":
        by_arrival = sorted(groups, key=lambda g: g.first)
        return {g.key: _("network %(number)d", number=n) for n, g in enumerate(by_arrival, 1)}
    firsts = {r.id: r for r in triage.requests_in([g.ids[0] for g in groups])}
    if firsts:
        audit.record("triage.read", actor, target="requests", count=len(firsts))
    names = {}
    for group in groups:
        first = firsts.get(group.ids[0])
        text = opening(crypto.decrypt(first.message_enc) if first else None, 6)
        names[group.key] = "“" + text + "”" if text else _("(no text)")
    return names


@dataclass(frozen=True)
class PreviewRow:
    """One request of a group as the confirmation page shows it."""

    request: CallbackRequest
    opening: str


def preview(ids: list[int], actor: StaffUser) -> list[PreviewRow]:
    """The group's requests with the first words of their message; an audited reading."""
    found = triage.requests_in(ids)
    if found:
        target = f"request:{found[0].id}" if len(found) == 1 else "requests"
        audit.record("triage.preview", actor, target=target, count=len(found))
    return [PreviewRow(r, opening(crypto.decrypt(r.message_enc))) for r in found]
