"""The social workers' queue, the request page and its actions."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, format_timedelta
from flask_babel import gettext as _

from .. import access, callback_queue, casework, coverage, db, stations
from ..access import Area
from ..models import CallbackRequest, StaffUser, utcnow
from ..timezone import PARIS
from ..windows import is_safe_now, next_safe_start, safe_until, window_label
from .blueprint import area, bp
from .forms import (
    ATTEMPT_LABELS,
    KNOWN_LABELS,
    OUTCOME_LABELS,
    AttemptForm,
    CloseForm,
    HandOverForm,
    ScheduleForm,
    VersionedForm,
)

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
STATUS_LABELS = {
    "open": lambda: _("Open"),
    "new": lambda: _("New"),
    "in_progress": lambda: _("In progress"),
    "closed": lambda: _("Closed"),
    "cancelled": lambda: _("Cancelled"),
}


@bp.app_template_global()
def status_label(status: str) -> str:
    return STATUS_LABELS[status]() if status in STATUS_LABELS else status


@bp.app_template_global()
def safety_words(req: CallbackRequest, now: dt.datetime) -> str:
    """'Safe now, until 12:00' or 'Next safe window: tomorrow 08:00', in the reader's language."""
    if req.do_not_call_after and now.astimezone(PARIS).date() > req.do_not_call_after:
        return _("Do not call any more (asked until %(day)s)", day=req.do_not_call_after)
    if is_safe_now(req.safe_windows, now):
        until = safe_until(req.safe_windows, now)
        return _("Safe now, until %(time)s", time=format_datetime(until, "HH:mm")) if until else ""
    opening = next_safe_start(req.safe_windows, now)
    if opening is None:
        return _("No safe window given")
    days = (opening.date() - now.astimezone(PARIS).date()).days
    at = format_datetime(opening, "HH:mm")
    if days == 0:
        return _("Next safe window: today %(time)s", time=at)
    if days == 1:
        return _("Next safe window: tomorrow %(time)s", time=at)
    return _("Next safe window: %(day)s", day=format_datetime(opening, "EEEE HH:mm"))


@bp.app_template_global()
def age_words(created_at: dt.datetime) -> str:
    return format_timedelta(utcnow() - created_at, granularity="minute", threshold=1.0)


def _station_filter() -> int | None:
    value = request.args.get("station", "")
    return int(value) if value.isdigit() else None


@bp.get("/")
@area(Area.START)
def home() -> ResponseReturnValue:
    if access.may_enter(g.staff, Area.REFERRAL):
        return redirect(url_for("staff.referral"))
    if not access.may_enter(g.staff, Area.QUEUE):
        return render_template("staff/home.html")
    status = request.args.get("status", "open")
    if status not in callback_queue.STATUS_FILTERS:
        status = "open"
    station_id = _station_filter()
    now = dt.datetime.now(dt.UTC)
    page = callback_queue.open_queue(g.staff, now, status, station_id, request.args.get("after"))
    stale_before = utcnow() - dt.timedelta(days=current_app.config["STALE_DAYS"])
    return render_template(
        "staff/queue.html",
        page=page,
        now=now,
        status=status,
        station_id=station_id,
        stations=stations.visible_stations(g.staff),
        counts=callback_queue.status_counts(g.staff, station_id, now),
        count_cap=callback_queue.COUNT_CAP,
        recent_days=callback_queue.RECENT_DAYS,
        same_number=callback_queue.same_number_counts(page.requests),
        stale_before=stale_before,
        sees_unrouted=access.sees_all_stations(g.staff),
        coverage=coverage.station_coverage() if access.is_coordinator(g.staff) else None,
    )


def _request_or_404(request_id: int) -> CallbackRequest:
    found = db.session().get(CallbackRequest, request_id)
    if found is None or not access.can_work_on(g.staff, found):
        abort(404)
    return found


def _forms(req: CallbackRequest, refresh: bool = False) -> dict[str, VersionedForm]:
    """The page's action forms; `refresh` gives each the current version, after a refusal."""
    hand_over = HandOverForm(prefix="hand_over")
    hand_over.colleague.choices = [
        (p.id, p.display_name) for p in casework.colleagues_for(req, g.staff)
    ]
    forms: dict[str, VersionedForm] = {
        "take": VersionedForm(prefix="take"),
        "release": VersionedForm(prefix="release"),
        "reopen": VersionedForm(prefix="reopen"),
        "attempt": AttemptForm(prefix="attempt"),
        "schedule": ScheduleForm(prefix="schedule"),
        "close": CloseForm(prefix="close"),
        "hand_over": hand_over,
    }
    for form in forms.values():
        # A form sent with a mistake keeps the version it saw; after a refusal, the page shows
        # the current state, so its forms act on that state.
        if refresh or form.version.name not in request.form:
            form.version.data = req.version
            form.version.raw_data = None
    return forms


def _show(
    req: CallbackRequest, forms: dict[str, VersionedForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    case_file = casework.open_case_file(req, g.staff)
    return render_template(
        "staff/request.html",
        req=req,
        case=case_file,
        forms=forms or _forms(req),
        allowed=access.allowed_actions(req, g.staff),
        now=dt.datetime.now(dt.UTC),
        windows=[window_label(w) for w in req.safe_windows],
        siblings=callback_queue.same_number(req),
        attempt_labels=ATTEMPT_LABELS,
        outcome_labels=OUTCOME_LABELS,
        known_labels=KNOWN_LABELS,
    ), status


@bp.get("/requests/<int:request_id>")
@area(Area.QUEUE)
def request_page(request_id: int) -> ResponseReturnValue:
    return _show(_request_or_404(request_id))


def _act(request_id: int, name: str) -> ResponseReturnValue:
    """Run one action from the request page; on refusal, show the fresh page with the reason."""
    req = _request_or_404(request_id)
    forms = _forms(req)
    form = forms[name]
    if not form.validate_on_submit():
        if form.version.errors:  # a damaged page: show the current state, ready to use
            flash(CASEWORK_ERRORS["stale_page"](), "error")
            return _show(req, _forms(req, refresh=True), 400)
        return _show(req, forms, 400)
    try:
        _apply(name, req, form)
    except casework.CaseworkError as exc:
        # A refused action changed nothing; read the request again, as others may have. What
        # the request did before (the session's activity) is written first, not forgotten.
        db.session().flush()
        db.session().expire_all()
        flash(CASEWORK_ERRORS[exc.code](), "error")
        fresh = _request_or_404(request_id)
        return _show(fresh, _forms(fresh, refresh=True), 409 if exc.code == "conflict" else 400)
    flash(_("Done."))
    return redirect(url_for("staff.request_page", request_id=req.id), 303)


def _apply(name: str, req: CallbackRequest, form: VersionedForm) -> None:
    version = form.version.data
    if version is None:  # InputRequired: a validated form always carries one
        raise casework.CaseworkError("stale_page")
    if name == "take":
        casework.take(req, g.staff, version)
    elif name == "release":
        casework.release(req, g.staff, version)
    elif name == "reopen":
        casework.reopen(req, g.staff, version)
    elif name == "attempt" and isinstance(form, AttemptForm):
        casework.log_attempt(req, g.staff, form.outcome.data, form.note.data or None, version)
    elif name == "schedule" and isinstance(form, ScheduleForm):
        if form.when.data is None:  # InputRequired: never, once validated
            raise casework.CaseworkError("stale_page")
        when = form.when.data.replace(tzinfo=PARIS)
        casework.schedule(req, g.staff, when, version)
    elif name == "close" and isinstance(form, CloseForm):
        casework.close(req, g.staff, form.outcome.data, form.known.data, version)
    elif name == "hand_over" and isinstance(form, HandOverForm):
        colleague = db.session().get(StaffUser, form.colleague.data)
        if colleague is None:
            raise casework.CaseworkError("bad_colleague")
        casework.hand_over(req, g.staff, colleague, version)


def _action_view(name: str):  # type: ignore[no-untyped-def]
    def view(request_id: int) -> ResponseReturnValue:
        return _act(request_id, name)

    view.__name__ = f"request_{name}"
    return area(Area.QUEUE)(view)


for _name in ("take", "release", "reopen", "attempt", "schedule", "close", "hand_over"):
    bp.add_url_rule(
        f"/requests/<int:request_id>/{_name.replace('_', '-')}",
        endpoint=f"request_{_name}",
        view_func=_action_view(_name),
        methods=["POST"],
    )
