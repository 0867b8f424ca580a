"""The coordinator's view of the audit log in plain words, with filters and a CSV export."""

from __future__ import annotations

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import (
    ATTEMPT_LABELS,
    KNOWN_LABELS,
    OUTCOME_LABELS,
    ROLE_LABELS,
    AuditFilterForm,
)
from portal.core import csv_safe
from portal.core.timezone import paris_today
from portal.staff import audit
from portal.staff.access import Area
from portal.staff.audit import EventFilter, ReadableEvent

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
# What happened, as a sentence: %(who)s did it, %(what)s is the reference, person or entry.
ACTION_WORDS = {
    "request.view": _l("%(who)s opened request %(what)s"),
    "request.take": _l("%(who)s took request %(what)s"),
    "request.hand_over": _l("%(who)s handed request %(what)s over"),
    "request.release": _l("%(who)s put request %(what)s back in the queue"),
    "request.attempt": _l("%(who)s logged a call attempt on request %(what)s"),
    "request.schedule": _l("%(who)s planned a call on request %(what)s"),
    "request.close": _l("%(who)s closed request %(what)s"),
    "request.reopen": _l("%(who)s reopened request %(what)s"),
    "card_batch_restore": _l("%(who)s restored a revoked card batch of %(what)s"),
    "request.interpreter": _l("%(who)s recorded an interpreter booking on request %(what)s"),
    "triage.preview": _l("%(who)s read the requests of a group before marking it as spam"),
    "triage.read": _l("%(who)s read the first words of the texts to check"),
    "triage.spam": _l("%(who)s marked requests to check as spam"),
    "triage.spam_undo": _l("%(who)s undid a spam decision: its requests are back to check"),
    "triage.release": _l("%(who)s moved requests to check into the queue"),
    "referral.create": _l("%(who)s referred a person: request %(what)s"),
    "user.create": _l("%(who)s created the account of %(what)s"),
    "user.invite": _l("%(who)s made an invitation link for %(what)s"),
    "user.invite_sent": _l("%(who)s sent an invitation by e-mail to %(what)s"),
    "user.enrol": _l("%(who)s set up their account"),
    "user.update": _l("%(who)s changed the account of %(what)s"),
    "user.activate": _l("%(who)s reactivated the account of %(what)s"),
    "user.deactivate": _l("%(who)s deactivated the account of %(what)s"),
    "user.reset": _l("%(who)s reset the password and device of %(what)s"),
    "login.success": _l("%(who)s logged in"),
    "login.failure": _l("%(who)s: a login failed"),
    "login.locked": _l("%(who)s: login refused, account locked for a while"),
    "keys.rotate": _l("%(who)s rotated the data keys"),
    "retention.purge": _l("%(who)s erased the personal data of old requests"),
    "directory.create": _l("%(who)s added %(what)s to the directory"),
    "directory.update": _l("%(who)s edited the directory entry %(what)s"),
    "directory.verify": _l("%(who)s checked the directory entry %(what)s"),
    "directory.hide": _l("%(who)s hid the directory entry %(what)s"),
    "directory.show": _l("%(who)s showed the directory entry %(what)s again"),
    "directory.import": _l("%(who)s imported the directory"),
    "directory.export": _l("%(who)s exported the directory"),
    "directory.propose": _l("%(who)s proposed a correction to %(what)s"),
    "directory.accept": _l("%(who)s accepted a correction to %(what)s"),
    "directory.refuse": _l("%(who)s refused a correction to %(what)s"),
}
DETAIL_LABELS = {
    "outcome": _l("outcome"),
    "known": _l("known to social services"),
    "to": _l("to"),
    "role": _l("role"),
    "stations": _l("stations"),
    "fields": _l("fields"),
    "before": _l("before"),
    "after": _l("after"),
    "created": _l("created"),
    "updated": _l("updated"),
    "format": _l("format"),
    "count": _l("number of requests"),
    "grouping": _l("grouped by"),
}


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
