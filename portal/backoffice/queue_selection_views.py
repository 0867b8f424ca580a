"""The coordinator's selection in the main queue: requests sent to "to check", where the flood
tools (spam, release) work on them."""

from __future__ import annotations

from flask import flash, g, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField

from portal.backoffice.blueprint import area, bp
from portal.casework import triage
from portal.staff.access import Area

# A page of the queue holds at most this many rows.
MAX_SELECTED = 200


class SelectionForm(FlaskForm):
    """Requests ticked in the queue (their ids); the choices are whatever the page listed."""

    selected = SelectMultipleField(validate_choice=False)


def selected_ids(form: SelectionForm) -> list[int]:
    values = form.selected.data or []
    return [int(v) for v in values[:MAX_SELECTED] if v.isdigit() and len(v) < 10]


@bp.post("/queue/to-check")
@area(Area.TRIAGE)
def queue_to_check() -> ResponseReturnValue:
    form = SelectionForm()
    ids = selected_ids(form) if form.validate_on_submit() else []
    if not ids:
        flash(_("Tick the requests to send to “to check” first."), "error")
        return redirect(url_for("staff.home"), 303)
    moved = triage.send_to_check(ids, g.staff)
    flash(
        _(
            "%(count)s request(s) sent to “to check”, with the other requests from their numbers.",
            count=moved,
        )
    )
    return redirect(url_for("staff.home"), 303)
