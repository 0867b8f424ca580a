"""The coordinator's view of the audit log, with filters."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue

from .. import audit
from ..access import Area
from .blueprint import area, bp
from .forms import AuditFilterForm

PAGE_SIZE = 50


@bp.get("/audit")
@area(Area.AUDIT)
def audit_log() -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "—")] + [(a, a) for a in audit.action_names()]
    filters: dict[str, Any] = {}
    if form.validate():
        filters = {
            "action": form.action.data,
            "actor": form.actor.data,
            "since": form.since.data,
            "until": form.until.data,
        }
    events, more = audit.search(
        **filters, before=request.args.get("before", type=int), limit=PAGE_SIZE
    )
    args = {k: v for k, v in request.args.items() if k != "before"}
    return render_template(
        "staff/audit.html",
        form=form,
        events=events,
        more=more,
        next_args=args,
    ), 200 if not form.errors else 400
