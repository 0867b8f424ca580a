"""The coordinator's anonymous statistics: tables by station, period, source, call language and
outcome with a total row, a bar chart drawn as SVG, and a CSV a spreadsheet can add up (the tables
themselves are laid out in `stats_tables`)."""

from __future__ import annotations

import math

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MonthField, SelectField
from wtforms.validators import Optional

from portal.backoffice import stats_tables
from portal.backoffice.blueprint import area, bp
from portal.core import csv_safe
from portal.core.fields import add_error
from portal.core.timezone import paris_today
from portal.reporting import statistics
from portal.reporting.periods import MAX_MONTHS, Period, month_start, whole_quarters
from portal.reporting.small_counts import SMALL_COUNT
from portal.staff.access import Area
from portal.stations import registry

VIEWS = {"month": _l("Month by month"), "quarter": _l("Quarter by quarter")}


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
    view = SelectField(_l("Periods"), choices=list(VIEWS.items()), default="month")


def _filter_form() -> StatsFilterForm:
    form = StatsFilterForm(request.args)
    form.station.choices = [
        ("", _("All stations")),
        *((str(s.id), s.name) for s in registry.all_stations()),
        (str(statistics.NO_STATION), _("No station")),
    ]
    return form


def _selection(form: StatsFilterForm) -> stats_tables.Selection | None:
    """The period and station asked for, or None with the reason on the form."""
    if not form.validate():
        return None
    default = Period.last_months(paris_today())
    first = month_start(form.since.data) if form.since.data else default.first
    last = month_start(form.until.data) if form.until.data else default.last
    if first > last:
        add_error(form.until, _("The end comes before the start."))
        return None
    quarterly = form.view.data == "quarter"
    period = Period(first, last)
    if quarterly:
        period = whole_quarters(period)
    if len(period.months()) > MAX_MONTHS:
        add_error(form.until, _("Choose at most %(count)d months.", count=MAX_MONTHS))
        return None
    station = form.station.data or ""
    label = dict(form.station.choices).get(station, "")  # type: ignore[arg-type]
    return stats_tables.Selection(period, int(station) if station else None, label, quarterly)


def _chart_description(selection: stats_tables.Selection) -> str:
    return _(
        "Number of requests per period from %(first)s to %(last)s, %(station)s. A period with "
        "from 1 to %(below)d requests has no bar and reads “—”.",
        first=format_date(selection.period.first, "MMMM yyyy"),
        last=format_date(selection.period.last, "MMMM yyyy"),
        station=selection.station_label,
        below=SMALL_COUNT - 1,
    )


def _refused(form: StatsFilterForm) -> ResponseReturnValue:
    """The page with the filter's errors and no figures: never a 500 for what was typed."""
    page = render_template("staff/stats.html", form=form, selection=None, small=SMALL_COUNT)
    return page, 400


@bp.get("/stats")
@area(Area.STATISTICS)
def stats() -> ResponseReturnValue:
    form = _filter_form()
    selection = _selection(form)
    if selection is None:
        return _refused(form)
    tables = stats_tables.tables(selection)
    chart = stats_tables.chart(tables, selection)
    return render_template(
        "staff/stats.html",
        form=form,
        selection=selection,
        tables=tables,
        headers=stats_tables.count_headers(),
        dimension_headers=stats_tables.DIMENSION_HEADERS,
        cells=stats_tables.cells,
        total_label=stats_tables.total_label(selection),
        chart=chart,
        label_every=math.ceil(len(chart.bars) / 24) or 1,
        chart_description=_chart_description(selection),
        small=SMALL_COUNT,
        csv_args={k: v for k, v in request.args.items() if k in form.data},
    )


@bp.get("/stats.csv")
@area(Area.STATISTICS)
def stats_csv() -> ResponseReturnValue:
    form = _filter_form()
    selection = _selection(form)
    if selection is None:
        return _refused(form)
    period = selection.period
    step = "quarters" if selection.quarterly else "months"
    name = f"statistics-{step}-{period.first:%Y-%m}-{period.last:%Y-%m}.csv"
    # A byte-order mark, so that spreadsheets open the accents right.
    response = Response(
        "\ufeff" + csv_safe.write_rows(stats_tables.csv_lines(selection)), mimetype="text/csv"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
