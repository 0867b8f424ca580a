"""The coordinator's anonymous statistics: a table, a bar chart drawn as SVG, and a CSV export."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MonthField, SelectField
from wtforms.validators import Optional

from .. import reporting, stations
from ..access import Area
from ..fields import add_error
from ..reporting import Period, PublishedRow
from ..timezone import paris_today
from .blueprint import area, bp
from .forms import OUTCOME_LABELS

SHARE_HEADERS = (
    _l("Urgent (%)"),
    _l("From a referral (%)"),
    _l("Median hours to the first call attempt"),
    _l("Reached (%)"),
    _l("Already known to social services (%)"),
)
OUTCOME_HEADERS = {**OUTCOME_LABELS, "open": _l("Still open")}
# A spreadsheet would run these as a formula: a name starting so is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class StatsFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    station = SelectField(_l("Station"), default="", validators=[Optional()])
    since = MonthField(
        _l("From"), validators=[Optional()], description=_l("Month and year, e.g. 2025-01.")
    )
    until = MonthField(
        _l("To"), validators=[Optional()], description=_l("Month and year, e.g. 2025-12.")
    )


@dataclass(frozen=True)
class Selection:
    """What the filter asks for, once checked."""

    period: Period
    station_id: int | None
    station_label: str


def _filter_form() -> StatsFilterForm:
    form = StatsFilterForm(request.args)
    form.station.choices = [
        ("", _("All stations")),
        *((str(s.id), s.name) for s in stations.all_stations()),
        (str(reporting.NO_STATION), _("No station")),
    ]
    return form


def _selection(form: StatsFilterForm) -> Selection | None:
    """The period and station asked for, or None with the reason on the form."""
    if not form.validate():
        return None
    default = Period.last_months(paris_today())
    first = reporting.month_start(form.since.data) if form.since.data else default.first
    last = reporting.month_start(form.until.data) if form.until.data else default.last
    if first > last:
        add_error(form.until, _("The end comes before the start."))
        return None
    period = Period(first, last)
    if len(period.months()) > reporting.MAX_MONTHS:
        add_error(form.until, _("Choose at most %(count)d months.", count=reporting.MAX_MONTHS))
        return None
    station = form.station.data or ""
    label = dict(form.station.choices).get(station, "")  # type: ignore[arg-type]
    return Selection(period, int(station) if station else None, label)


def _figure_headers() -> list[str]:
    return [_("Station"), _("Month"), _("Requests"), *map(str, SHARE_HEADERS)]


def _outcome_headers() -> list[str]:
    return [_("Station"), _("Month"), *(str(label) for label in OUTCOME_HEADERS.values())]


def _headers() -> list[str]:
    return [*_figure_headers(), *_outcome_headers()[2:]]


def _count(value: int | None) -> str:
    return str(value) if value is not None else f"< {reporting.SMALL_COUNT}"


def _cells(row: PublishedRow, withheld: str, for_csv: bool) -> tuple[list[str], list[str]]:
    """The figures, then the outcomes, of a row as text; the same rule on page and export."""

    def share(value: int | None) -> str:
        return withheld if value is None else str(value)

    if row.median_hours is None:
        median = withheld
    else:
        median = str(row.median_hours) if for_csv else format_decimal(row.median_hours)
    figures = [
        _count(row.requests),
        share(row.urgent_share),
        share(row.referral_share),
        median,
        share(row.reached_share),
        share(row.known_share),
    ]
    return figures, [_count(row.outcomes.get(key, 0)) for key in OUTCOME_HEADERS]


def _figures(selection: Selection) -> tuple[list[reporting.StationMonth], list[PublishedRow]]:
    figures = reporting.station_months(selection.period, selection.station_id)
    names = reporting.station_names(_("No station"))
    return figures, reporting.publish(figures, names)


def _chart_description(selection: Selection) -> str:
    return _(
        "Number of requests per month from %(first)s to %(last)s, %(station)s. A month with "
        "fewer than %(small)d requests has no bar and reads “< %(small)d”.",
        first=format_date(selection.period.first, "MMMM yyyy"),
        last=format_date(selection.period.last, "MMMM yyyy"),
        station=selection.station_label,
        small=reporting.SMALL_COUNT,
    )


def _refused(form: StatsFilterForm) -> ResponseReturnValue:
    """The page with the filter's errors and no figures: never a 500 for what was typed."""
    page = render_template(
        "staff/stats.html", form=form, selection=None, small=reporting.SMALL_COUNT
    )
    return page, 400


@bp.get("/stats")
@area(Area.STATISTICS)
def stats() -> ResponseReturnValue:
    form = _filter_form()
    selection = _selection(form)
    if selection is None:
        return _refused(form)
    figures, rows = _figures(selection)
    totals = reporting.monthly_totals(figures, selection.period)
    chart = reporting.bar_chart(totals)
    return render_template(
        "staff/stats.html",
        form=form,
        selection=selection,
        figure_headers=_figure_headers(),
        outcome_headers=_outcome_headers(),
        rows=[(r.station, format_date(r.month, "MMMM yyyy"), *_cells(r, "—", False)) for r in rows],
        chart=chart,
        label_every=math.ceil(len(chart.bars) / 24) or 1,
        chart_description=_chart_description(selection),
        small=reporting.SMALL_COUNT,
        csv_args={k: v for k, v in request.args.items() if k in form.data},
        count_text=_count,
    )


def _csv_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@bp.get("/stats.csv")
@area(Area.STATISTICS)
def stats_csv() -> ResponseReturnValue:
    form = _filter_form()
    selection = _selection(form)
    if selection is None:
        return _refused(form)
    _figures_exact, rows = _figures(selection)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headers())
    for row in rows:
        figures, outcomes = _cells(row, _("withheld"), True)
        writer.writerow([_csv_text(row.station), f"{row.month:%Y-%m}", *figures, *outcomes])
    period = selection.period
    name = f"statistics-{period.first:%Y-%m}-{period.last:%Y-%m}.csv"
    # A byte-order mark, so that spreadsheets open the accents right.
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
