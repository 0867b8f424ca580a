"""The coordinator's view of the audit log, with filters."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from .. import db
from ..access import Area
from ..models import AuditEvent
from ..timezone import PARIS
from . import area, bp
from .forms import AuditFilterForm

PAGE_SIZE = 50


def _paris_midnight(day: dt.date) -> dt.datetime:
    """The start of a day as the page shows it (Paris time), in the naive UTC that is stored."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=PARIS)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


@bp.get("/audit")
@area(Area.AUDIT)
def audit_log() -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    actions = db.session().scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    form.action.choices = [("", "—")] + [(a, a) for a in actions]
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if form.validate():
        if form.action.data:
            query = query.where(AuditEvent.action == form.action.data)
        if form.actor.data:
            query = query.where(AuditEvent.actor == form.actor.data.strip().lower())
        if form.since.data:
            query = query.where(AuditEvent.created_at >= _paris_midnight(form.since.data))
        if form.until.data:
            until = form.until.data + dt.timedelta(days=1)
            query = query.where(AuditEvent.created_at < _paris_midnight(until))
    before = request.args.get("before", type=int)
    if before:
        query = query.where(AuditEvent.id < before)
    events = db.session().scalars(query.limit(PAGE_SIZE + 1)).all()
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    args = {k: v for k, v in request.args.items() if k != "before"}
    return render_template(
        "staff/audit.html",
        form=form,
        events=events,
        more=more,
        next_args=args,
    ), 200 if not form.errors else 400
