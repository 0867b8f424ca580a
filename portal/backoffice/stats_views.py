"""The coordinator's anonymous statistics: tables by station, period, source, call language and
outcome with a total row, a bar chart drawn as SVG, and a CSV a spreadsheet can add up."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MonthField, SelectField
from wtforms.validators import Optional

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import OUTCOME_LABELS
from portal.core import csv_safe
from portal.core.fields import add_error
from portal.core.i18n import language_name
from portal.core.timezone import paris_today
from portal.models import RequestSource
from portal.reporting import statistics
from portal.reporting.statistics import FirstContactRule, Period, PublishedRow
from portal.staff.access import Area
from portal.stations import registry

# The counted columns, in the order of the page and of the CSV; "overdue" is named with its limit.
COUNT_HEADERS = {
    "requests": _l("Requests"),
    "urgent": _l("Urgent"),
    "referrals": _l("From a referral"),
    "attempted": _l("With a call attempt"),
    "overdue": None,
    "reached": _l("Reached"),
    "known": _l("Already known to social services"),
    "not_known": _l("Not known to social services"),
    "interpreter_needed": _l("Interpreter needed"),
    "interpreter_booked": _l("Interpreter booked"),
}
OUTCOME_HEADERS = {**OUTCOME_LABELS, "open": _l("Still open")}
SOURCE_LABELS = {
    RequestSource.SELF.value: _l("Asked by the person"),
    RequestSource.REFERRAL.value: _l("Referred by an officer"),
}
DIMENSION_HEADERS = {
    "station": _l("Station"),
    "period": _l("Period"),
    "source": _l("Source"),
    "call_language": _l("Language of the call"),
    "outcome": _l("Outcome"),
}
CAPTIONS = {
    "station": _l("By station"),
    "period": _l("By month"),
    "source": _l("By source"),
    "call_language": _l("By language of the call"),
    "outcome": _l("By outcome"),
}
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


@dataclass(frozen=True)
class Selection:
    """What the filter asks for, once checked."""

    period: Period
    station_id: int | None
    station_label: str
    quarterly: bool


@dataclass(frozen=True)
class Table:
    """One breakdown as the page and the CSV show it."""

    dimension: str
    caption: str
    rows: list[tuple[str, PublishedRow]]
    total: PublishedRow


def _filter_form() -> StatsFilterForm:
    form = StatsFilterForm(request.args)
    form.station.choices = [
        ("", _("All stations")),
        *((str(s.id), s.name) for s in registry.all_stations()),
        (str(statistics.NO_STATION), _("No station")),
    ]
    return form


def _selection(form: StatsFilterForm) -> Selection | None:
    """The period and station asked for, or None with the reason on the form."""
    if not form.validate():
        return None
    default = Period.last_months(paris_today())
    first = statistics.month_start(form.since.data) if form.since.data else default.first
    last = statistics.month_start(form.until.data) if form.until.data else default.last
    if first > last:
        add_error(form.until, _("The end comes before the start."))
        return None
    quarterly = form.view.data == "quarter"
    period = Period(first, last)
    if quarterly:
        period = statistics.whole_quarters(period)
    if len(period.months()) > statistics.MAX_MONTHS:
        add_error(form.until, _("Choose at most %(count)d months.", count=statistics.MAX_MONTHS))
        return None
    station = form.station.data or ""
    label = dict(form.station.choices).get(station, "")  # type: ignore[arg-type]
    return Selection(period, int(station) if station else None, label, quarterly)


def _period_label(month: dt.date, quarterly: bool, for_csv: bool) -> str:
    if quarterly:
        quarter = (month.month - 1) // 3 + 1
        if for_csv:
            return f"{month.year}-Q{quarter}"
        return _("Q%(quarter)d %(year)d", quarter=quarter, year=month.year)
    return f"{month:%Y-%m}" if for_csv else format_date(month, "MMMM yyyy")


def _group_label(
    dimension: str, key: Any, selection: Selection, for_csv: bool, names: dict[int, str]
) -> str:
    """What a group is called for people: a station's name, a month, a language."""
    if dimension == "station":
        return names.get(key, "")
    if dimension == "period":
        return _period_label(key, selection.quarterly, for_csv)
    if dimension == "source":
        return str(SOURCE_LABELS.get(key, key))
    if dimension == "call_language":
        return language_name(key)
    return str(OUTCOME_HEADERS.get(key, key))


def _rule() -> FirstContactRule:
    return FirstContactRule.from_config(current_app.config)


def _tables(selection: Selection, for_csv: bool = False) -> list[Table]:
    """Every breakdown of the selection, published, with its labels."""
    facts = statistics.request_facts(
        selection.period, selection.station_id, dt.datetime.now(dt.UTC), _rule()
    )
    expected: dict[str, list[Any]] = {
        "station": statistics.station_order(selection.station_id),
        "period": statistics.period_groups(selection.period, selection.quarterly),
        "source": [s.value for s in RequestSource],
        "call_language": list(current_app.config["CALL_LANGUAGES"]),
        "outcome": list(statistics.OUTCOME_KEYS),
    }
    breakdowns, total = statistics.breakdowns(facts, expected, selection.quarterly)
    names = statistics.station_names(_("No station"))
    tables = []
    for breakdown in breakdowns:
        rows, total_row = statistics.publish(breakdown, total)
        caption = CAPTIONS[breakdown.dimension]
        if breakdown.dimension == "period" and selection.quarterly:
            caption = _l("By quarter")
        labelled = [
            (_group_label(breakdown.dimension, row.group, selection, for_csv, names), row)
            for row in rows
        ]
        tables.append(Table(breakdown.dimension, str(caption), labelled, total_row))
    return tables


def _count_headers() -> list[str]:
    limit = format_decimal(_rule().limit_hours)
    late = _("First call attempt after %(hours)s working hours", hours=limit)
    counted = [late if h is None else str(h) for h in COUNT_HEADERS.values()]
    return [*counted, _("Median working hours to the first call attempt")]


def _cells(row: PublishedRow, for_csv: bool) -> list[str]:
    """A row's figures as text: a withheld count is empty in the CSV and a dash on the page."""
    withheld = "" if for_csv else "—"
    cells = [withheld if row.counts[n] is None else str(row.counts[n]) for n in COUNT_HEADERS]
    if row.median_hours is None:
        median = withheld if row.median_withheld else ""
    else:
        median = str(row.median_hours) if for_csv else format_decimal(row.median_hours)
    return [*cells, median]


def _total_label(selection: Selection) -> str:
    return _("Département total") if selection.station_id is None else _("Total")


def _chart(tables: list[Table], selection: Selection) -> statistics.Chart:
    periods = next(t for t in tables if t.dimension == "period")
    totals = []
    for label, row in periods.rows:
        first, second = (
            (label, "")
            if selection.quarterly
            else (
                format_date(row.group, "MMM"),
                format_date(row.group, "yyyy"),
            )
        )
        totals.append((first, second, row.counts["requests"]))
    return statistics.bar_chart(totals)


def _chart_description(selection: Selection) -> str:
    return _(
        "Number of requests per period from %(first)s to %(last)s, %(station)s. A period with "
        "from 1 to %(below)d requests has no bar and reads “—”.",
        first=format_date(selection.period.first, "MMMM yyyy"),
        last=format_date(selection.period.last, "MMMM yyyy"),
        station=selection.station_label,
        below=statistics.SMALL_COUNT - 1,
    )


def _refused(form: StatsFilterForm) -> ResponseReturnValue:
    """The page with the filter's errors and no figures: never a 500 for what was typed."""
    page = render_template(
        "staff/stats.html", form=form, selection=None, small=statistics.SMALL_COUNT
    )
    return page, 400


@bp.get("/stats")
@area(Area.STATISTICS)
def stats() -> ResponseReturnValue:
    form = _filter_form()
    selection = _selection(form)
    if selection is None:
        return _refused(form)
    tables = _tables(selection)
    chart = _chart(tables, selection)
    return render_template(
        "staff/stats.html",
        form=form,
        selection=selection,
        tables=tables,
        headers=_count_headers(),
        dimension_headers=DIMENSION_HEADERS,
        cells=_cells,
        total_label=_total_label(selection),
        chart=chart,
        label_every=math.ceil(len(chart.bars) / 24) or 1,
        chart_description=_chart_description(selection),
        small=statistics.SMALL_COUNT,
        csv_args={k: v for k, v in request.args.items() if k in form.data},
    )


def csv_lines(selection: Selection) -> list[list[str]]:
    """Every breakdown in one sheet: counts as integers or empty, and a marker column saying
    which rows have a withheld figure."""
    lines = [[_("Breakdown"), _("Group"), *_count_headers(), _("Withheld")]]
    marker = _("withheld")
    for table in _tables(selection, for_csv=True):
        dimension = str(DIMENSION_HEADERS[table.dimension])
        for label, row in [*table.rows, (_total_label(selection), table.total)]:
            lines.append([dimension, label, *_cells(row, True), marker if row.suppressed else ""])
    return lines


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
    response = Response("\ufeff" + csv_safe.write_rows(csv_lines(selection)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
