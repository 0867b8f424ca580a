"""The social workers' queue: the calling order, its filters, its counts and the search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.backoffice import queue_words  # noqa: F401  (the queue's words for the templates)
from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ATTEMPT_LABELS, SearchForm
from portal.backoffice.queue_selection_views import SelectionForm
from portal.casework import callback_queue, entry, last_day, queue_counts, working_hours
from portal.casework.calling_hours import outside_calling_hours
from portal.casework.queue_search import search as search_requests
from portal.models import CallbackRequest, utcnow
from portal.staff import access
from portal.staff.access import Area
from portal.stations import coverage, registry


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
        page = callback_queue.QueuePage(search_requests(g.staff, search), None)
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
            queue_counts.overdue_count(g.staff, now, limit, hours, station_id)
        ),
        first_contact_hours=f"{limit:g}",
        sort_labels={key: label() for key, label in SORT_LABELS.items()},
        attempt_labels=ATTEMPT_LABELS,
        station_id=station_id,
        stations=registry.visible_stations(g.staff),
        counts=queue_counts.status_counts(g.staff, station_id, now),
        count_cap=queue_counts.COUNT_CAP,
        recent_days=queue_counts.RECENT_DAYS,
        same_number=entry.same_number_counts(page.requests),
        entry_facts=entry.facts_of(page.requests),
        past_last_day={r.id for r in page.requests if r.is_open and last_day.is_past(r, now)},
        outside_hours=_outside_calling_hours(page.requests),
        stale_before=stale_before,
        sees_unrouted=access.sees_all_stations(g.staff),
        coverage=coverage.station_coverage() if access.is_coordinator(g.staff) else None,
        search_form=SearchForm(formdata=None, q=search),
        selection_form=SelectionForm() if access.may_enter(g.staff, Area.TRIAGE) else None,
    ), status_code


SORT_LABELS: dict[str, Callable[[], str]] = {
    "calling": lambda: _("Urgent, then safe now, then oldest"),
    "oldest": lambda: _("Urgent, then oldest"),
    "newest": lambda: _("Urgent, then newest"),
}


def _capped(count: int) -> str:
    return f"{count}+" if count >= queue_counts.COUNT_CAP else str(count)


def _filters(status: str, station_id: int | None, mine: bool, sort: str) -> dict[str, str]:
    """The queue's filters as they go into the address, defaults left out."""
    values = {
        "status": status if status != "open" else "",
        "station": "" if station_id is None else str(station_id),
        "mine": "1" if mine else "",
        "sort": sort if sort != "calling" else "",
    }
    return {k: v for k, v in values.items() if v}


def _outside_calling_hours(requests: list[CallbackRequest]) -> set[int]:
    """The requests whose safe times all fall outside the service's calling hours."""
    hours = str(current_app.config["WORKING_HOURS"])
    return {
        r.id for r in requests if outside_calling_hours(list(r.safe_windows), r.safe_days, hours)
    }
