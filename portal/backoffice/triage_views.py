"""The coordinator's "to check" list: a flood's requests grouped, previewed and marked as spam
(after a confirmation, and undoable for a while), or released into the queue."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField

from portal.backoffice.blueprint import area, bp
from portal.casework import spam_decisions, triage, triage_preview
from portal.reporting import outbox
from portal.staff.access import Area

GROUPING_LABELS = {
    "time": lambda: _("Time of arrival (10 minutes)"),
    "network": lambda: _("Network"),
    "text": lambda: _("Identical text"),
}


class TriageForm(FlaskForm):
    """One action on a group (by, key), on one request (request_id), or on the requests a
    confirmation page showed (ids)."""

    by = HiddenField()
    key = HiddenField()
    request_id = HiddenField()
    ids = HiddenField()
    confirmed = HiddenField()


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
        names=triage_preview.group_names(by, groups, g.staff),
        chosen=chosen,
        members=triage.requests_in(list(chosen.ids)) if chosen else [],
        decisions=spam_decisions.undoable(),
        undo_until=spam_decisions.undo_until,
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
    if form.ids.data:
        return [int(i) for i in form.ids.data.split(",") if i.isdigit() and len(i) < 10]
    return triage.group_ids(by, form.key.data or "")


def _group_name(by: str, key: str) -> str:
    groups = triage.groups(by)
    return triage_preview.group_names(by, groups, g.staff).get(key, "") if key else ""


@bp.post("/triage/spam")
@area(Area.TRIAGE)
def triage_spam() -> ResponseReturnValue:
    """Without a confirmation, only show what would be marked: nothing changes yet."""
    form = TriageForm()
    by = form.by.data if form.by.data in triage.GROUPINGS else "time"
    if not form.validate_on_submit():
        return redirect(url_for("staff.triage_list", by=by), 303)
    targets = _targets(form, by)
    label = _group_name(by, form.key.data or "")
    if form.confirmed.data != "1":
        rows = triage_preview.preview(targets, g.staff)
        return render_template(
            "staff/triage_confirm.html",
            by=by,
            key=form.key.data or "",
            label=label,
            rows=rows,
            ids=",".join(str(row.request.id) for row in rows),
            form=form,
        )
    done = triage.mark_spam(targets, g.staff, by, label)
    flash(_("%(count)s request(s) marked as spam. You can undo this below.", count=done))
    return redirect(url_for("staff.triage_list", by=by), 303)


@bp.post("/triage/release")
@area(Area.TRIAGE)
def triage_release() -> ResponseReturnValue:
    form = TriageForm()
    by = form.by.data if form.by.data in triage.GROUPINGS else "time"
    if form.validate_on_submit():
        done = triage.release(_targets(form, by), g.staff, by)
        flash(_("%(count)s request(s) moved to the queue.", count=done))
    return redirect(url_for("staff.triage_list", by=by), 303)


@bp.post("/triage/decisions/<int:decision_id>/undo")
@area(Area.TRIAGE)
def triage_undo(decision_id: int) -> ResponseReturnValue:
    if TriageForm().validate_on_submit():
        try:
            done = spam_decisions.undo(decision_id, g.staff)
        except spam_decisions.UndoRefused:
            flash(_("This decision can no longer be undone."), "error")
        else:
            flash(_("%(count)s request(s) are back in the list to check.", count=done))
    return redirect(url_for("staff.triage_list", by=_grouping()), 303)
