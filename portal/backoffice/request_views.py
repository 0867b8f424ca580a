"""A request's page: what is known of the person and of her number, and the forms to act on it."""

from __future__ import annotations

import datetime as dt

from flask import abort, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import (
    ATTEMPT_LABELS,
    KNOWN_LABELS,
    OUTCOME_LABELS,
    AttemptForm,
    CloseForm,
    HandOverForm,
    InterpreterForm,
    ScheduleForm,
    VersionedForm,
)
from portal.backoffice.referral_forms import CORRECTED_FIELD_LABELS
from portal.casework import call_timing, entry, interpreter_booking, transitions
from portal.casework.referrals import WITHDRAWN
from portal.casework.windows import day_label, next_safe_start, window_label
from portal.core import db
from portal.core.timezone import PARIS
from portal.models import CallbackRequest
from portal.staff import access, drafts
from portal.staff.access import Area


def request_or_404(request_id: int) -> CallbackRequest:
    found = db.session().get(CallbackRequest, request_id)
    if found is None or not access.can_work_on(g.staff, found):
        abort(404)
    return found


def action_forms(req: CallbackRequest, refresh: bool = False) -> dict[str, VersionedForm]:
    """The page's action forms; `refresh` gives each the current version, after a refusal."""
    hand_over = HandOverForm(prefix="hand_over")
    hand_over.colleague.choices = [
        (p.id, p.display_name) for p in transitions.colleagues_for(req, g.staff)
    ]
    forms: dict[str, VersionedForm] = {
        "take": VersionedForm(prefix="take"),
        "release": VersionedForm(prefix="release"),
        "reopen": VersionedForm(prefix="reopen"),
        "attempt": AttemptForm(prefix="attempt"),
        "schedule": ScheduleForm(prefix="schedule"),
        "close": CloseForm(prefix="close"),
        "hand_over": hand_over,
        "clear_risk": VersionedForm(prefix="clear_risk"),
        "clear_conflict": VersionedForm(prefix="clear_conflict"),
        "interpreter": InterpreterForm(prefix="interpreter"),
    }
    _suggest_next_attempt(req, forms["schedule"])
    restored = _restore_kept_form(req, forms)
    for form in forms.values():
        # A form sent with a mistake keeps the version it saw; after a refusal, the page shows
        # the current state, so its forms act on that state.
        if refresh or form.version.name not in request.form:
            form.version.data = req.version
            form.version.raw_data = None
    g.restored_form = restored
    return forms


def _restore_kept_form(req: CallbackRequest, forms: dict[str, VersionedForm]) -> str | None:
    """Fill in, unsaved, the form her expired session was sending; the action's name."""
    kept = drafts.pending(g.staff.id, req.id) if request.method == "GET" else None
    if kept is None or kept[0] not in forms:
        return None
    forms[kept[0]].process(formdata=kept[1])
    return kept[0]


def _suggest_next_attempt(req: CallbackRequest, form: VersionedForm) -> None:
    """The planning field starts at the planned call, or else at the next safe window."""
    if not isinstance(form, ScheduleForm):
        return
    if request.method == "POST" and form.when.name in request.form:
        return
    now = dt.datetime.now(dt.UTC)
    planned = call_timing.planned_call(req)
    suggestion = (
        planned
        if planned and planned > now
        else next_safe_start(req.safe_windows, now, req.safe_days)
    )
    if suggestion is not None:
        form.when.data = suggestion.astimezone(PARIS).replace(tzinfo=None)


def show(
    req: CallbackRequest, forms: dict[str, VersionedForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    case_file = transitions.open_case_file(req, g.staff)
    now = dt.datetime.now(dt.UTC)
    siblings = entry.same_number(req)
    return render_template(
        "staff/request.html",
        req=req,
        case=case_file,
        forms=forms or action_forms(req),
        restored=g.get("restored_form"),
        interpreter_note=interpreter_booking.booking_note(req),
        allowed=access.allowed_actions(req, g.staff),
        now=now,
        callable_now=call_timing.safety_now(req, now).callable,
        windows=[window_label(w) for w in req.safe_windows],
        days=[day_label(d) for d in req.safe_days or []],
        siblings=siblings,
        details_differ=req.name_conflict or any(s.name_conflict for s in siblings),
        entry_attempts=entry.entry_attempts(req),
        corrected=[str(CORRECTED_FIELD_LABELS.get(f, f)) for f in req.corrected_fields or []],
        attempt_labels=ATTEMPT_LABELS,
        outcome_labels={**OUTCOME_LABELS, WITHDRAWN: _l("Withdrawn by the officer")},
        withdrawn=req.outcome == WITHDRAWN,
        known_labels=KNOWN_LABELS,
    ), status


@bp.get("/requests/<int:request_id>")
@area(Area.QUEUE)
def request_page(request_id: int) -> ResponseReturnValue:
    return show(request_or_404(request_id))
