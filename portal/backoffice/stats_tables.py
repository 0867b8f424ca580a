"""The statistics as the coordinator's page and CSV show them: labelled tables of published
figures, the bar chart of requests per period, and one sheet for a spreadsheet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.backoffice.forms import OUTCOME_LABELS
from portal.core.i18n import language_name
from portal.models import RequestSource
from portal.reporting import statistics
from portal.reporting.chart import Chart, bar_chart
from portal.reporting.periods import Period, period_groups
from portal.reporting.small_counts import PublishedRow, publish
from portal.reporting.statistics import FirstContactRule

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


def first_contact_rule() -> FirstContactRule:
    return FirstContactRule.from_config(current_app.config)


def tables(selection: Selection, for_csv: bool = False) -> list[Table]:
    """Every breakdown of the selection, published, with its labels."""
    facts = statistics.request_facts(
        selection.period, selection.station_id, dt.datetime.now(dt.UTC), first_contact_rule()
    )
    expected: dict[str, list[Any]] = {
        "station": statistics.station_order(selection.station_id),
        "period": period_groups(selection.period, selection.quarterly),
        "source": [s.value for s in RequestSource],
        "call_language": list(current_app.config["CALL_LANGUAGES"]),
        "outcome": list(statistics.OUTCOME_KEYS),
    }
    breakdowns, total = statistics.breakdowns(facts, expected, selection.quarterly)
    names = statistics.station_names(_("No station"))
    found = []
    for breakdown in breakdowns:
        rows, total_row = publish(breakdown, total)
        caption = CAPTIONS[breakdown.dimension]
        if breakdown.dimension == "period" and selection.quarterly:
            caption = _l("By quarter")
        labelled = [
            (_group_label(breakdown.dimension, row.group, selection, for_csv, names), row)
            for row in rows
        ]
        found.append(Table(breakdown.dimension, str(caption), labelled, total_row))
    return found


def count_headers() -> list[str]:
    limit = format_decimal(first_contact_rule().limit_hours)
    late = _("First call attempt after %(hours)s working hours", hours=limit)
    counted = [late if h is None else str(h) for h in COUNT_HEADERS.values()]
    return [*counted, _("Median working hours to the first call attempt")]


def cells(row: PublishedRow, for_csv: bool) -> list[str]:
    """A row's figures as text: a withheld count is empty in the CSV and a dash on the page."""
    withheld = "" if for_csv else "—"
    counts = [withheld if row.counts[n] is None else str(row.counts[n]) for n in COUNT_HEADERS]
    if row.median_hours is None:
        median = withheld if row.median_withheld else ""
    else:
        median = str(row.median_hours) if for_csv else format_decimal(row.median_hours)
    return [*counts, median]


def total_label(selection: Selection) -> str:
    return _("Département total") if selection.station_id is None else _("Total")


def chart(shown: list[Table], selection: Selection) -> Chart:
    periods = next(t for t in shown if t.dimension == "period")
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
    return bar_chart(totals)


def csv_lines(selection: Selection) -> list[list[str]]:
    """Every breakdown in one sheet: counts as integers or empty, and a marker column saying
    which rows have a withheld figure."""
    lines = [[_("Breakdown"), _("Group"), *count_headers(), _("Withheld")]]
    marker = _("withheld")
    for table in tables(selection, for_csv=True):
        dimension = str(DIMENSION_HEADERS[table.dimension])
        for label, row in [*table.rows, (total_label(selection), table.total)]:
            lines.append([dimension, label, *cells(row, True), marker if row.suppressed else ""])
    return lines
