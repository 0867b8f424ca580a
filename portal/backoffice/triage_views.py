"""The coordinator's "to check" list: a flood's requests grouped, marked as spam or released."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField

from portal.backoffice.blueprint import area, bp
from portal.casework import triage
from portal.reporting import outbox
from portal.staff.access import Area

GROUPING_LABELS = {
    "time": lambda: _("Time of arrival (10 minutes)"),
    "network": lambda: _("Network"),
    "text": lambda: _("Identical text"),
}


class TriageForm(FlaskForm):
    """One action on a group (by, key) or on one request (request_id)."""

    by = HiddenField()
    key = HiddenField()
    request_id = HiddenField()


def _grouping() -> str:
    by = request.values.get("by", "time")
    return by if by in triage.GROUPINGS else "time"


@bp.get("/triage")
@area(Area.TRIAGE)
def triage_list() -> ResponseReturnValue:
    by = _grouping()
    key = request.args.get("group")
    groups = triage.groups(by)
    chosen = next((group for group in groups if group.key == key), None)
    return render_template(
        "staff/triage.html",
        by=by,
        groupings=GROUPING_LABELS,
        groups=groups,
        chosen=chosen,
        members=triage.requests_in(list(chosen.ids)) if chosen else [],
        form=TriageForm(),
        notices_waiting=_notices_waiting(),
    )


def _notices_waiting() -> str | None:
    """A line for the coordinator when e-mail notices to staff wait or failed (None if none)."""
    counts = outbox.counts()
    if not counts.pending and not counts.failed:
        return None
    return _(
        "E-mail notices to staff: %(pending)d waiting, %(failed)d failed so far; they are "
        "tried again every minute. New requests are in the queue either way.",
        pending=counts.pending,
        failed=counts.failed,
    )


def _targets(form: TriageForm, by: str) -> list[int]:
    if form.request_id.data and form.request_id.data.isdigit():
        return [int(form.request_id.data)]
    return triage.group_ids(by, form.key.data or "")


def _triage_action(action: str) -> ResponseReturnValue:
    form = TriageForm()
    by = form.by.data if form.by.data in triage.GROUPINGS else "time"
    if not form.validate_on_submit():
        return redirect(url_for("staff.triage_list", by=by), 303)
    targets = _targets(form, by)
    if action == "spam":
        done = triage.mark_spam(targets, g.staff, by)
        message = _("%(count)s request(s) marked as spam.", count=done)
    else:
        done = triage.release(targets, g.staff, by)
        message = _("%(count)s request(s) moved to the queue.", count=done)
    flash(message)
    return redirect(url_for("staff.triage_list", by=by), 303)


@bp.post("/triage/spam")
@area(Area.TRIAGE)
def triage_spam() -> ResponseReturnValue:
    return _triage_action("spam")


@bp.post("/triage/release")
@area(Area.TRIAGE)
def triage_release() -> ResponseReturnValue:
    return _triage_action("release")
