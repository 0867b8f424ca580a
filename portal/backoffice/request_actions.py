"""The actions on a request's page: each one a casework transition, said in words afterwards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import (
    ATTEMPT_LABELS,
    OUTCOME_LABELS,
    AttemptForm,
    CloseForm,
    HandOverForm,
    InterpreterForm,
    ScheduleForm,
    VersionedForm,
)
from portal.backoffice.queue_words import moment_words, when_to_call
from portal.backoffice.request_views import action_forms, request_or_404, show
from portal.casework import entry, interpreter_booking, transitions
from portal.core import db
from portal.core.timezone import PARIS
from portal.models import CallbackRequest, StaffUser
from portal.staff import access, drafts
from portal.staff.access import Area

CASEWORK_ERRORS = {
    "conflict": lambda: _(
        "Someone else changed this request a moment ago. Here is its current state: check it "
        "before acting again."
    ),
    "stale_page": lambda: _(
        "This page was out of date. Here is the request's current state: check it before acting "
        "again."
    ),
    "not_yours": lambda: _("This request belongs to a station you do not cover."),
    "wrong_transition": lambda: _("This cannot be done to a request in its current state."),
    "held_by_other": lambda: _("A colleague holds this request. Ask them to hand it over."),
    "bad_colleague": lambda: _("Choose an active social worker."),
    "colleague_not_on_station": lambda: _("This colleague does not cover the request's station."),
    "bad_outcome": lambda: _("Choose an outcome from the list."),
    "bad_known": lambda: _("Choose an answer from the list."),
    "bad_time": lambda: _("Choose a date and time."),
    "in_the_past": lambda: _("Choose a time in the future."),
    "outside_windows": lambda: _("This time is outside the person's safe windows."),
    "after_last_day": lambda: _("The person asked not to be called after that date."),
    "admin_only": lambda: _("Only a coordinator can reopen a request."),
    "purged": lambda: _("This request's personal data was erased; it cannot be reopened."),
}
# Actions that need nothing but the version: the transition, and what to say once it is done.
Transition = Callable[[CallbackRequest, StaffUser, int], None]
SIMPLE_ACTIONS: dict[str, tuple[Transition, Callable[[], str]]] = {
    "take": (transitions.take, lambda: _("You now hold request %(ref)s.")),
    "release": (transitions.release, lambda: _("Request %(ref)s is back in the station's pool.")),
    "reopen": (transitions.reopen, lambda: _("Request %(ref)s is open again.")),
    "clear_risk": (
        transitions.clear_risk,
        lambda: _("Risk flag cleared on every request from this number (%(ref)s)."),
    ),
    "clear_conflict": (
        transitions.clear_conflict,
        lambda: _(
            "“Different details” warning cleared on every request from this number (%(ref)s)."
        ),
    ),
}


def _act(request_id: int, name: str) -> ResponseReturnValue:
    """Run one action from the request page; on refusal, show the fresh page with the reason."""
    req = request_or_404(request_id)
    forms = action_forms(req)
    form = forms[name]
    if not form.validate_on_submit():
        if form.version.errors:  # a damaged page: show the current state, ready to use
            flash(CASEWORK_ERRORS["stale_page"](), "error")
            return show(req, action_forms(req, refresh=True), 400)
        return show(req, forms, 400)
    if (
        isinstance(form, CloseForm) and form.confirmed.data != "1"
    ):  # nothing changes before the confirmation
        return render_template(
            "staff/request_close.html",
            req=req,
            form=form,
            outcome_labels=OUTCOME_LABELS,
            others_open=len(entry.open_siblings(req)),
        )
    try:
        done = _apply(name, req, form)
    except transitions.CaseworkError as exc:
        # A refused action changed nothing; read the request again, as others may have. What
        # the request did before (the session's activity) is written first, not forgotten.
        db.session().flush()
        db.session().expire_all()
        flash(CASEWORK_ERRORS[exc.code](), "error")
        fresh = request_or_404(request_id)
        status = 409 if exc.code == "conflict" else 400
        return show(fresh, action_forms(fresh, refresh=True), status)
    drafts.forget(g.staff.id, req.id, name)  # saved now: what was kept has served
    flash(done)
    return redirect(url_for("staff.request_page", request_id=req.id), 303)


def _attempt_words(req: CallbackRequest, outcome: str) -> str:
    """'Call attempt logged: no answer. Next safe window: today 17:00'."""
    now = dt.datetime.now(dt.UTC)
    logged = _("Call attempt logged: %(outcome)s.", outcome=str(ATTEMPT_LABELS[outcome]).lower())
    if req.risk_flagged_at is not None and outcome == "someone_else":
        logged += " " + _(
            "Risk flag raised on every request from this number: be careful on the next call."
        )
    return f"{logged} {when_to_call(req, now)}"


def _close_words(req: CallbackRequest, outcome: str) -> str:
    """What closing did, and what happens to the other open requests of the number."""
    done = _(
        "Request %(ref)s closed: %(outcome)s.",
        ref=req.reference,
        outcome=str(OUTCOME_LABELS[outcome]).lower(),
    )
    others = len(entry.open_siblings(req))
    if not others:
        return done
    return (
        done
        + " "
        + _(
            "%(count)s other request(s) from this number stay open in the queue, with its warnings "
            "and its attempts.",
            count=others,
        )
    )


def _apply(name: str, req: CallbackRequest, form: VersionedForm) -> str:
    """Run the action and say, in words, what changed."""
    version = form.version.data
    if version is None:  # InputRequired: a validated form always carries one
        raise transitions.CaseworkError("stale_page")
    if name in SIMPLE_ACTIONS:
        action, words = SIMPLE_ACTIONS[name]
        action(req, g.staff, version)
        return words() % {"ref": req.reference}
    if name == "attempt" and isinstance(form, AttemptForm):
        transitions.log_attempt(req, g.staff, form.outcome.data, form.note.data or None, version)
        return _attempt_words(req, form.outcome.data)
    if name == "schedule" and isinstance(form, ScheduleForm):
        if form.when.data is None:  # InputRequired: never, once validated
            raise transitions.CaseworkError("stale_page")
        when = form.when.data.replace(tzinfo=PARIS)
        transitions.schedule(req, g.staff, when, version)
        return _("Next call planned: %(when)s.", when=moment_words(when, dt.datetime.now(dt.UTC)))
    if name == "interpreter" and isinstance(form, InterpreterForm):
        if form.when.data is None:  # InputRequired: never, once validated
            raise transitions.CaseworkError("stale_page")
        when = form.when.data.replace(tzinfo=PARIS)
        interpreter_booking.book(
            req, g.staff, when, form.service.data or "", form.note.data, version
        )
        return _("Interpreter booked: %(when)s.", when=moment_words(when, dt.datetime.now(dt.UTC)))
    if name == "close" and isinstance(form, CloseForm):
        outcome = form.outcome.data
        transitions.close(req, g.staff, outcome, form.known.data, version, form.note.data or None)
        return _close_words(req, outcome)
    if not isinstance(form, HandOverForm):
        raise transitions.CaseworkError("stale_page")
    colleague = db.session().get(StaffUser, form.colleague.data)
    if colleague is None:
        raise transitions.CaseworkError("bad_colleague")
    transitions.hand_over(req, g.staff, colleague, version)
    return _(
        "Request %(ref)s handed over to %(name)s.", ref=req.reference, name=colleague.display_name
    )


def _action_view(name: str):  # type: ignore[no-untyped-def]
    def view(request_id: int) -> ResponseReturnValue:
        return _act(request_id, name)

    view.__name__ = f"request_{name}"
    return area(Area.QUEUE)(view)


for _name in access.ACTIONS:
    bp.add_url_rule(
        f"/requests/<int:request_id>/{_name.replace('_', '-')}",
        endpoint=f"request_{_name}",
        view_func=_action_view(_name),
        methods=["POST"],
    )
