"""The coordinator's view of the audit log in plain words, with filters and a CSV export."""

from __future__ import annotations

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _

from portal.backoffice.audit_words import ACTION_WORDS, DETAIL_LABELS
from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import (
    ATTEMPT_LABELS,
    KNOWN_LABELS,
    OUTCOME_LABELS,
    ROLE_LABELS,
    AuditFilterForm,
)
from portal.backoffice.referral_forms import CORRECTED_FIELD_LABELS
from portal.core import csv_safe
from portal.core.timezone import paris_today
from portal.staff import audit
from portal.staff.access import Area
from portal.staff.audit import EventFilter, ReadableEvent

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000


def who(item: ReadableEvent) -> str:
    """Who acted: a person's display name, the system (commands), or someone unknown."""
    if item.actor == "system":
        return _("The system")
    return item.actor if item.actor not in ("-", "") else _("Someone unknown")


def sentence(item: ReadableEvent) -> str:
    """What happened, in the reader's language; an action without words says its name."""
    who_did = who(item)
    words = ACTION_WORDS.get(item.event.action)
    if words is None:
        return _(
            "%(who)s: %(action)s on %(what)s",
            who=who_did,
            action=item.event.action,
            what=item.target,
        )
    return str(words) % {"who": who_did, "what": item.target}


def _value_words(key: str, value: object) -> str:
    if key == "outcome" and isinstance(value, str):
        return str(ATTEMPT_LABELS.get(value) or OUTCOME_LABELS.get(value) or value)
    if key == "known" and isinstance(value, str):
        return str(KNOWN_LABELS.get(value, value))
    if key == "changed" and isinstance(value, list):
        return ", ".join(str(CORRECTED_FIELD_LABELS.get(v, v)) for v in value)
    if key == "role" and isinstance(value, str):
        return str(ROLE_LABELS.get(value, value))
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return "; ".join(
            f"{DETAIL_LABELS.get(k, k)}: {_value_words(k, v)}" for k, v in value.items()
        )
    return str(value)


def details(item: ReadableEvent) -> str:
    """The event's details in words: outcomes by their label, people by their name."""
    parts = []
    for key, value in (item.event.details or {}).items():
        shown = item.named.get(key) or _value_words(key, value)
        parts.append(f"{DETAIL_LABELS.get(key, key)}: {shown}")
    return "; ".join(parts)


def _people() -> list[tuple[str, str]]:
    return [(str(i), f"{name} ({username})") for i, name, username in audit.people()]


def _action_label(action: str) -> str:
    words = ACTION_WORDS.get(action)
    return str(words) % {"who": "…", "what": "…"} if words else action


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "—")] + [(a, _action_label(a)) for a in audit.action_names()]
    form.person.choices = [("", "—"), *_people()]
    return form


def _wanted(form: AuditFilterForm) -> EventFilter | None:
    if not form.validate():
        return None
    return EventFilter(
        action=form.action.data or "",
        actor_username=form.actor.data or "",
        person_id=int(form.person.data) if form.person.data else None,
        reference=form.reference.data or "",
        since=form.since.data,
        until=form.until.data,
        before_id=request.args.get("before", type=int),
    )


def _filter_args(form: AuditFilterForm) -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in form.data and v}


@bp.get("/audit")
@area(Area.AUDIT)
def audit_log() -> ResponseReturnValue:
    form = _filter_form()
    wanted = _wanted(form)
    found = audit.events(wanted, PAGE_SIZE + 1) if wanted else []
    more = len(found) > PAGE_SIZE
    items = audit.readable(found[:PAGE_SIZE])
    page = render_template(
        "staff/audit.html",
        form=form,
        items=items,
        who=who,
        sentence=sentence,
        details=details,
        more=more,
        filter_args=_filter_args(form),
    )
    return page, 200 if wanted else 400


@bp.get("/audit.csv")
@area(Area.AUDIT)
def audit_csv() -> ResponseReturnValue:
    form = _filter_form()
    wanted = _wanted(form)
    if wanted is None:
        return audit_log()
    items = audit.readable(audit.events(wanted, EXPORT_LIMIT))
    lines = [[_("When"), _("Who"), _("What happened"), _("Details"), _("Action"), _("Event")]]
    for item in items:
        when = format_datetime(item.event.created_at, "yyyy-MM-dd HH:mm:ss")
        row = [when, who(item), sentence(item), details(item), item.event.action]
        lines.append([*row, str(item.event.id)])
    name = f"audit-{paris_today().isoformat()}.csv"
    response = Response("\ufeff" + csv_safe.write_rows(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
