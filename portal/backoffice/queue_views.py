"""The social workers' queue, the request page and its actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from babel import Locale, UnknownLocaleError
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, format_timedelta, get_locale
from flask_babel import gettext as _

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
    SearchForm,
    VersionedForm,
)
from portal.casework import (
    callback_queue,
    interpreter_booking,
    interpreting,
    transitions,
    working_hours,
)
from portal.casework.windows import (
    day_label,
    is_safe_now,
    next_safe_start,
    safe_until,
    window_label,
)
from portal.core import db
from portal.core.timezone import PARIS
from portal.models import CallbackRequest, StaffUser, utcnow
from portal.staff import access, drafts
from portal.staff.access import Area
from portal.stations import coverage, registry

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


def _moment_words(moment: dt.datetime, now: dt.datetime) -> str:
    """'today 17:00', 'tomorrow 08:00' or 'Thursday 03/12 09:00', Paris time."""
    local = moment.astimezone(PARIS)
    days = (local.date() - now.astimezone(PARIS).date()).days
    at = format_datetime(local, "HH:mm")
    if days == 0:
        return _("today %(time)s", time=at)
    if days == 1:
        return _("tomorrow %(time)s", time=at)
    return format_datetime(local, "EEEE dd/MM HH:mm")


def _next_window_words(req: CallbackRequest, now: dt.datetime) -> str:
    opening = next_safe_start(req.safe_windows, now, req.safe_days)
    if opening is None:
        return _("No safe window given")
    return _("Next safe window: %(when)s", when=_moment_words(opening, now))


@bp.app_template_global()
def safety_words(req: CallbackRequest, now: dt.datetime) -> str:
    """'Safe now, until 12:00' or 'Next safe window: tomorrow 08:00', in the reader's language."""
    if req.do_not_call_after and now.astimezone(PARIS).date() > req.do_not_call_after:
        return _("Do not call any more (asked until %(day)s)", day=req.do_not_call_after)
    if is_safe_now(req.safe_windows, now, req.safe_days):
        until = safe_until(req.safe_windows, now, req.safe_days)
        return _("Safe now, until %(time)s", time=format_datetime(until, "HH:mm")) if until else ""
    return _next_window_words(req, now)


@bp.app_template_global("needs_interpreter")
def needs_interpreter_for(req: CallbackRequest) -> bool:
    return interpreting.needs_interpreter(req.call_language)


@bp.app_template_global()
def interpreter_booked_words(req: CallbackRequest, now: dt.datetime) -> str:
    """'Interpreter booked: today 14:00 (ISM)', or nothing when none is booked."""
    if req.interpreter_at is None:
        return ""
    when = _moment_words(req.interpreter_at.replace(tzinfo=dt.UTC), now)
    return _(
        "Interpreter booked: %(when)s (%(service)s)", when=when, service=req.interpreter_service
    )


@bp.app_template_global()
def call_possible_now(req: CallbackRequest, now: dt.datetime) -> bool:
    """Open, before her last day, a call allowed, and a safe window open now: the queue's tag."""
    if not req.is_open or req.sms_only:
        return False
    if req.do_not_call_after and now.astimezone(PARIS).date() > req.do_not_call_after:
        return False
    return is_safe_now(req.safe_windows, now, req.safe_days)


def _planned(req: CallbackRequest) -> dt.datetime | None:
    if req.next_attempt_at is None:
        return None
    return req.next_attempt_at.replace(tzinfo=dt.UTC)


@bp.app_template_global()
def when_to_call(req: CallbackRequest, now: dt.datetime) -> str:
    """One coherent answer to "when do I call?": a planned call in the future wins over the next
    safe window (it lies inside one); once its time has come, the safe window says the rest."""
    if req.do_not_call_after and now.astimezone(PARIS).date() > req.do_not_call_after:
        return safety_words(req, now)
    planned = _planned(req)
    if planned is not None and planned > now:
        return _("Call planned: %(when)s", when=_moment_words(planned, now))
    if planned is not None:
        return _(
            "Planned call due since %(when)s. %(safety)s",
            when=_moment_words(planned, now),
            safety=safety_words(req, now),
        )
    return safety_words(req, now)


@bp.app_template_global()
def call_language_label(code: str) -> str:
    """The language of the call in the reader's language, for booking an interpreter."""
    try:
        name = Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


@bp.app_template_global()
def first_contact_overdue(req: CallbackRequest, now: dt.datetime) -> bool:
    """No call tried within the configured working hours of the request's arrival."""
    if not req.is_open or req.first_attempt_at is not None:
        return False
    limit, hours = working_hours.settings(current_app.config)
    return working_hours.first_contact_overdue(req.created_at, None, now, limit, hours)


@bp.app_template_filter("window_label")
def window_label_filter(slot: str) -> str:
    return window_label(slot)


@bp.app_template_global()
def age_words(created_at: dt.datetime) -> str:
    return format_timedelta(utcnow() - created_at, granularity="minute", threshold=1.0)


def _station_filter() -> int | None:
    value = request.args.get("station", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    value = request.args.get(name, allowed[0])
    return value if value in allowed else allowed[0]


@bp.get("/")
@area(Area.START)
def home() -> ResponseReturnValue:
    if access.may_enter(g.staff, Area.REFERRAL):
        return redirect(url_for("staff.referral"))
    if not access.may_enter(g.staff, Area.QUEUE):
        return render_template("staff/home.html")
    return _queue_page()


@bp.post("/search")
@area(Area.QUEUE)
def queue_search() -> ResponseReturnValue:
    """Search by reference or number, by POST: a number never sits in an address or a log."""
    form = SearchForm()
    if not form.validate_on_submit():
        return _queue_page(status_code=400)
    return _queue_page(search=(form.q.data or "").strip())


def _queue_page(search: str = "", status_code: int = 200) -> ResponseReturnValue:
    status = _choice("status", callback_queue.STATUS_FILTERS)
    sort = _choice("sort", callback_queue.SORTS)
    mine = request.args.get("mine") == "1"
    station_id = _station_filter()
    now = dt.datetime.now(dt.UTC)
    if search:
        page = callback_queue.QueuePage(callback_queue.search(g.staff, search), None)
    else:
        after = request.args.get("after")
        page = callback_queue.open_queue(g.staff, now, status, station_id, after, mine, sort)
    stale_before = utcnow() - dt.timedelta(days=current_app.config["STALE_DAYS"])
    limit, hours = working_hours.settings(current_app.config)
    return render_template(
        "staff/queue.html",
        page=page,
        now=now,
        status=status,
        sort=sort,
        mine=mine,
        search=search,
        filters=_filters(status, station_id, mine, sort),
        overdue_count_words=_capped(
            callback_queue.overdue_count(g.staff, now, limit, hours, station_id)
        ),
        first_contact_hours=f"{limit:g}",
        sort_labels={key: label() for key, label in SORT_LABELS.items()},
        attempt_labels=ATTEMPT_LABELS,
        station_id=station_id,
        stations=registry.visible_stations(g.staff),
        counts=callback_queue.status_counts(g.staff, station_id, now),
        count_cap=callback_queue.COUNT_CAP,
        recent_days=callback_queue.RECENT_DAYS,
        same_number=callback_queue.same_number_counts(page.requests),
        stale_before=stale_before,
        sees_unrouted=access.sees_all_stations(g.staff),
        coverage=coverage.station_coverage() if access.is_coordinator(g.staff) else None,
        search_form=SearchForm(formdata=None, q=search),
    ), status_code


SORT_LABELS: dict[str, Callable[[], str]] = {
    "calling": lambda: _("Urgent, then safe now, then oldest"),
    "oldest": lambda: _("Urgent, then oldest"),
    "newest": lambda: _("Urgent, then newest"),
}


def _capped(count: int) -> str:
    return f"{count}+" if count >= callback_queue.COUNT_CAP else str(count)


def _filters(status: str, station_id: int | None, mine: bool, sort: str) -> dict[str, str]:
    """The queue's filters as they go into the address, defaults left out."""
    values = {
        "status": status if status != "open" else "",
        "station": "" if station_id is None else str(station_id),
        "mine": "1" if mine else "",
        "sort": sort if sort != "calling" else "",
    }
    return {k: v for k, v in values.items() if v}


def _request_or_404(request_id: int) -> CallbackRequest:
    found = db.session().get(CallbackRequest, request_id)
    if found is None or not access.can_work_on(g.staff, found):
        abort(404)
    return found


def _forms(req: CallbackRequest, refresh: bool = False) -> dict[str, VersionedForm]:
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
    planned = _planned(req)
    suggestion = (
        planned
        if planned and planned > now
        else next_safe_start(req.safe_windows, now, req.safe_days)
    )
    if suggestion is not None:
        form.when.data = suggestion.astimezone(PARIS).replace(tzinfo=None)


def _show(
    req: CallbackRequest, forms: dict[str, VersionedForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    case_file = transitions.open_case_file(req, g.staff)
    return render_template(
        "staff/request.html",
        req=req,
        case=case_file,
        forms=forms or _forms(req),
        restored=g.get("restored_form"),
        interpreter_note=interpreter_booking.booking_note(req),
        allowed=access.allowed_actions(req, g.staff),
        now=dt.datetime.now(dt.UTC),
        windows=[window_label(w) for w in req.safe_windows],
        days=[day_label(d) for d in req.safe_days or []],
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
    if (
        isinstance(form, CloseForm) and form.confirmed.data != "1"
    ):  # nothing changes before the confirmation
        return render_template(
            "staff/request_close.html", req=req, form=form, outcome_labels=OUTCOME_LABELS
        )
    try:
        done = _apply(name, req, form)
    except transitions.CaseworkError as exc:
        # A refused action changed nothing; read the request again, as others may have. What
        # the request did before (the session's activity) is written first, not forgotten.
        db.session().flush()
        db.session().expire_all()
        flash(CASEWORK_ERRORS[exc.code](), "error")
        fresh = _request_or_404(request_id)
        return _show(fresh, _forms(fresh, refresh=True), 409 if exc.code == "conflict" else 400)
    drafts.forget(g.staff.id, req.id, name)  # saved now: what was kept has served
    flash(done)
    return redirect(url_for("staff.request_page", request_id=req.id), 303)


def _attempt_words(req: CallbackRequest, outcome: str) -> str:
    """'Call attempt logged: no answer. Next safe window: today 17:00'."""
    now = dt.datetime.now(dt.UTC)
    logged = _("Call attempt logged: %(outcome)s.", outcome=str(ATTEMPT_LABELS[outcome]).lower())
    if req.risk_flagged_at is not None and outcome == "someone_else":
        logged += " " + _("Risk flag raised: be careful on the next call.")
    return f"{logged} {when_to_call(req, now)}"


def _apply(name: str, req: CallbackRequest, form: VersionedForm) -> str:
    """Run the action and say, in words, what changed."""
    version = form.version.data
    if version is None:  # InputRequired: a validated form always carries one
        raise transitions.CaseworkError("stale_page")
    if name == "take":
        transitions.take(req, g.staff, version)
        return _("You now hold request %(ref)s.", ref=req.reference)
    if name == "release":
        transitions.release(req, g.staff, version)
        return _("Request %(ref)s is back in the station's pool.", ref=req.reference)
    if name == "reopen":
        transitions.reopen(req, g.staff, version)
        return _("Request %(ref)s is open again.", ref=req.reference)
    if name == "attempt" and isinstance(form, AttemptForm):
        transitions.log_attempt(req, g.staff, form.outcome.data, form.note.data or None, version)
        return _attempt_words(req, form.outcome.data)
    if name == "schedule" and isinstance(form, ScheduleForm):
        if form.when.data is None:  # InputRequired: never, once validated
            raise transitions.CaseworkError("stale_page")
        when = form.when.data.replace(tzinfo=PARIS)
        transitions.schedule(req, g.staff, when, version)
        return _("Next call planned: %(when)s.", when=_moment_words(when, dt.datetime.now(dt.UTC)))
    if name == "close" and isinstance(form, CloseForm):
        outcome = form.outcome.data
        transitions.close(req, g.staff, outcome, form.known.data, version, form.note.data or None)
        return _(
            "Request %(ref)s closed: %(outcome)s.",
            ref=req.reference,
            outcome=str(OUTCOME_LABELS[outcome]).lower(),
        )
    if name == "interpreter" and isinstance(form, InterpreterForm):
        if form.when.data is None:  # InputRequired: never, once validated
            raise transitions.CaseworkError("stale_page")
        when = form.when.data.replace(tzinfo=PARIS)
        interpreter_booking.book(
            req, g.staff, when, form.service.data or "", form.note.data, version
        )
        return _("Interpreter booked: %(when)s.", when=_moment_words(when, dt.datetime.now(dt.UTC)))
    if name == "clear_risk":
        transitions.clear_risk(req, g.staff, version)
        return _("Risk flag cleared on request %(ref)s.", ref=req.reference)
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
