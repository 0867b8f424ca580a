"""The queue's and the request page's facts in words: the rules live in portal.casework, these
helpers only say what the domain decided, in the reader's language."""

from __future__ import annotations

import datetime as dt

from babel import Locale, UnknownLocaleError
from flask_babel import format_date, format_datetime, format_timedelta, get_locale
from flask_babel import gettext as _

from portal.backoffice.blueprint import bp
from portal.casework import call_timing, interpreting
from portal.casework.call_timing import CallTiming, Safety
from portal.casework.windows import window_label
from portal.core.timezone import PARIS
from portal.models import CallbackRequest, utcnow

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


def moment_words(moment: dt.datetime, now: dt.datetime) -> str:
    """'today 17:00', 'tomorrow 08:00' or 'Thursday 03/12 09:00', Paris time."""
    local = moment.astimezone(PARIS)
    days = (local.date() - now.astimezone(PARIS).date()).days
    at = format_datetime(local, "HH:mm")
    if days == 0:
        return _("today %(time)s", time=at)
    if days == 1:
        return _("tomorrow %(time)s", time=at)
    return format_datetime(local, "EEEE dd/MM HH:mm")


def timing_safety_words(timing: CallTiming, now: dt.datetime) -> str:
    """'Safe now, until 12:00', 'Next safe window: tomorrow 08:00', or why not to call."""
    day = format_date(timing.last_day, "long") if timing.last_day else ""
    if timing.safety is Safety.PAST_LAST_DAY:
        return _(
            "Past her last day (%(day)s): do not call. Close the request, or ask the coordinator.",
            day=day,
        )
    if timing.safety is Safety.SAFE_NOW:
        if timing.until is None:
            return ""
        return _("Safe now, until %(time)s", time=format_datetime(timing.until, "HH:mm"))
    if timing.safety is Safety.NO_WINDOW_LEFT:
        return _("No safe window left before her last day (%(day)s).", day=day)
    if timing.opening is None:
        return _("No safe window given")
    return _("Next safe window: %(when)s", when=moment_words(timing.opening, now))


def timing_words(timing: CallTiming, now: dt.datetime) -> str:
    """One coherent answer to "when do I call?": a planned call in the future wins over the next
    safe window (it lies inside one); once its time has come, the safe window says the rest."""
    planned = timing.planned if timing.planned_ahead else None
    if planned is not None and planned > now:
        return _("Call planned: %(when)s", when=moment_words(planned, now))
    if planned is not None:
        return _(
            "Planned call due since %(when)s. %(safety)s",
            when=moment_words(planned, now),
            safety=timing_safety_words(timing, now),
        )
    return timing_safety_words(timing, now)


@bp.app_template_global()
def safety_words(req: CallbackRequest, now: dt.datetime) -> str:
    return timing_safety_words(call_timing.safety_now(req, now), now)


@bp.app_template_global()
def when_to_call(req: CallbackRequest, now: dt.datetime) -> str:
    return timing_words(call_timing.when_to_call(req, now), now)


@bp.app_template_global()
def first_contact_overdue(req: CallbackRequest, now: dt.datetime) -> bool:
    return call_timing.first_contact_overdue(req, now)


@bp.app_template_global()
def call_language_label(code: str) -> str:
    """The language of the call in the reader's language, for booking an interpreter."""
    try:
        name = Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


@bp.app_template_filter("window_label")
def window_label_filter(slot: str) -> str:
    return window_label(slot)


@bp.app_template_global()
def age_words(created_at: dt.datetime) -> str:
    return format_timedelta(utcnow() - created_at, granularity="minute", threshold=1.0)


@bp.app_template_global("needs_interpreter")
def needs_interpreter_for(req: CallbackRequest) -> bool:
    return interpreting.needs_interpreter(req.call_language)


@bp.app_template_global()
def interpreter_booked_words(req: CallbackRequest, now: dt.datetime) -> str:
    """'Interpreter booked: today 14:00 (ISM)', or nothing when none is booked."""
    if req.interpreter_at is None:
        return ""
    when = moment_words(req.interpreter_at.replace(tzinfo=dt.UTC), now)
    return _(
        "Interpreter booked: %(when)s (%(service)s)", when=when, service=req.interpreter_service
    )


@bp.app_template_global()
def call_possible_now(req: CallbackRequest, now: dt.datetime) -> bool:
    """Open, before her last day, a call allowed, and a safe window open now: the queue's tag."""
    if not req.is_open or req.sms_only:
        return False
    return call_timing.safety_now(req, now).safety is Safety.SAFE_NOW
