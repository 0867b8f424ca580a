"""Anonymous statistics: the figures match a small known history made through the real code paths,
small counts never show, the chart is a plain SVG, and only coordinators see any of it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request_with_code, station_id
from helpers.fixture_types import LoginAs, MakeStaff
from helpers.staff import apply_action

from portal.core import db
from portal.core.timezone import PARIS
from portal.intake.callbacks import cancel_request
from portal.models import RequestSource, Station
from portal.reporting import statistics
from portal.reporting.periods import Period
from portal.reporting.small_counts import publish

MARCH = dt.datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
# Just after midnight in Paris on 1 April, still 31 March in UTC.
APRIL_FIRST = dt.datetime(2026, 4, 1, 0, 30, tzinfo=PARIS)
TODAY = dt.datetime(2026, 6, 15, 10, 0, tzinfo=PARIS)
DELAYS = [1, 2, 3, 4, 5, 30]  # hours to the first attempt of six requests in March
EN = {"Accept-Language": "en"}


def new_request(app: Flask, n: int, station: str, **fields: Any) -> tuple[int, str]:
    """The n-th request of the history, with a number of its own."""
    fields = {"safe_windows": ["08:00-20:00"], "message": "Après 14 h", **fields}
    return new_request_with_code(app, station, phone_e164=f"+336123450{n:02d}", **fields)


@pytest.fixture
def history(app: Flask, make_staff: MakeStaff, time_machine: Any) -> None:
    """Twelve requests in Saint-Étienne in March, three in Roanne in April, one long before."""
    worker = make_staff("admin")
    time_machine.move_to(dt.datetime(2025, 1, 20, 12, tzinfo=PARIS), tick=False)
    new_request(app, 99, "st-etienne")
    time_machine.move_to(MARCH, tick=False)
    march = [
        new_request(
            app,
            n,
            "st-etienne",
            urgent=n < 6,
            source=RequestSource.REFERRAL.value if n in (6, 7) else "self",
        )
        for n in range(12)
    ]
    for (request_id, _code), hours in zip(march, DELAYS, strict=False):
        time_machine.move_to(MARCH + dt.timedelta(hours=hours), tick=False)
        outcome = "no_answer" if hours == 30 else "reached"
        apply_action(app, worker, request_id, "log_attempt", outcome, "Note")
    closings = [
        ("accompanied", "yes"),
        ("accompanied", "yes"),
        ("accompanied", "no"),
        ("oriented", "no"),
        ("oriented", "no"),
        ("unreachable", "unknown"),
    ]
    for (request_id, _code), (outcome, known) in zip(march, closings, strict=False):
        apply_action(app, worker, request_id, "close", outcome, known)
    with app.app_context():
        assert cancel_request(march[11][1])
        db.session().commit()
    time_machine.move_to(APRIL_FIRST, tick=False)
    for n in range(20, 23):
        new_request(app, n, "roanne")
    time_machine.move_to(TODAY, tick=True)


@pytest.fixture
def admin_client(
    app: Flask,
    history: None,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> FlaskClient:
    client = app.test_client()
    login_as(client, make_staff("admin"))
    return client


def figures(app: Flask, first: dt.date, last: dt.date) -> dict[str, statistics.Breakdown]:
    with app.app_context():
        rule = statistics.FirstContactRule.from_config(app.config)
        facts = statistics.request_facts(Period(first, last), None, TODAY.astimezone(dt.UTC), rule)
        found, _total = statistics.breakdowns(facts, {})
    return {b.dimension: b for b in found}


def test_exact_figures_per_station_and_paris_month(app: Flask, history: None) -> None:
    by = figures(app, dt.date(2026, 1, 1), dt.date(2026, 6, 1))
    stations = by["station"].groups
    assert set(stations) == {station_id(app, "st-etienne"), station_id(app, "roanne")}
    march = stations[station_id(app, "st-etienne")]
    counts = march.counts
    assert (counts["requests"], counts["urgent"], counts["referrals"], counts["reached"]) == (
        12,
        6,
        2,
        5,
    )
    assert (counts["known"], counts["not_known"], counts["attempted"]) == (2, 3, 6)
    # Five attempts the same Tuesday; the sixth 30 hours later is 8 + 6 working hours.
    assert sorted(round(h, 3) for h in march.hours) == [1, 2, 3, 4, 5, 14]
    # Late: that one, and the five still waiting for a first call since March.
    assert counts["overdue"] == 6
    assert set(by["period"].groups) == {dt.date(2026, 3, 1), dt.date(2026, 4, 1)}
    # 00:30 on 1 April in Paris is still March in UTC: counted in April.
    assert by["period"].groups[dt.date(2026, 4, 1)].counts["requests"] == 3
    assert {k: t.counts["requests"] for k, t in by["outcome"].groups.items()} == {
        "accompanied": 3,
        "oriented": 2,
        "unreachable": 1,
        "cancelled": 1,
        "open": 8,
    }
    assert {k: t.counts["requests"] for k, t in by["source"].groups.items()} == {
        "self": 13,
        "referral": 2,
    }
    assert {k: t.counts["requests"] for k, t in by["call_language"].groups.items()} == {"fr": 15}


def read_csv(response: Any) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


COUNT_COLUMNS = (
    "Requests",
    "Urgent",
    "From a referral",
    "With a call attempt",
    "First call attempt after 8 working hours",
    "Reached",
    "Already known to social services",
    "Not known to social services",
)


def as_number(cell: str) -> int | None:
    """A count cell is an integer or empty: nothing else may reach a spreadsheet."""
    if cell == "":
        return None
    assert cell.isdigit(), cell
    return int(cell)


def test_csv_counts_are_integers_or_empty_and_small_counts_never_show(
    admin_client: FlaskClient,
) -> None:
    response = admin_client.get("/staff/stats.csv?since=2026-01&until=2026-06", headers=EN)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "statistics-months-2026-01-2026-06.csv" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    for row in rows:
        numbers = [as_number(row[c]) for c in COUNT_COLUMNS]
        assert all(n is None or n == 0 or n >= 5 for n in numbers), row
        assert (row["Withheld"] == "withheld") == (None in numbers), row
    stations = [r for r in rows if r["Breakdown"] == "Station"]
    etienne = next(r for r in stations if r["Group"] == "Commissariat de Saint-Étienne")
    roanne = next(r for r in stations if r["Group"] == "Commissariat de Roanne")
    firminy = next(r for r in stations if r["Group"] == "Commissariat de Firminy")
    # Roanne's 3 are withheld, and so Saint-Étienne's 12, or 15 - 12 would give them away.
    assert roanne["Requests"] == etienne["Requests"] == ""
    assert firminy["Requests"] == "0" and firminy["Withheld"] == ""
    total = stations[-1]
    assert total["Group"] == "Département total"
    assert total["Requests"] == "15" and total[MEDIAN] == "3.5"
    months = {r["Group"]: r for r in rows if r["Breakdown"] == "Period"}
    assert list(months) == [f"2026-0{m}" for m in range(1, 7)] + ["Département total"]
    assert months["2026-01"]["Requests"] == "0" and months["2026-01"]["Withheld"] == ""
    assert months["2026-03"]["Requests"] == months["2026-04"]["Requests"] == ""
    sources = {r["Group"]: r["Requests"] for r in rows if r["Breakdown"] == "Source"}
    assert sources == {
        "Asked by the person": "",  # 13, withheld: 15 - 13 would tell the 2
        "Referred by an officer": "",
        "Département total": "15",
    }
    languages = {
        r["Group"]: r["Requests"] for r in rows if r["Breakdown"] == "Language of the call"
    }
    assert languages["Français"] == "15" and languages["English"] == "0"
    assert "612345" not in response.get_data(as_text=True)


MEDIAN = "Median working hours to the first call attempt"


def test_the_total_row_is_the_sum_of_the_station_rows(
    app: Flask,
    make_staff: MakeStaff,
    login_as: LoginAs,
    time_machine: Any,
) -> None:
    time_machine.move_to(MARCH, tick=False)
    for n in range(5):
        new_request(app, n, "st-etienne", urgent=True)
    for n in range(5, 11):
        new_request(app, n, "roanne", urgent=n < 10)
    time_machine.move_to(TODAY, tick=True)
    client = app.test_client()
    login_as(client, make_staff("admin"))

    rows = read_csv(client.get("/staff/stats.csv?since=2026-03&until=2026-03", headers=EN))

    stations = [r for r in rows if r["Breakdown"] == "Station"]
    *groups, total = stations
    assert total["Group"] == "Département total"
    for column in COUNT_COLUMNS:
        cells = [as_number(r[column]) for r in groups]
        if None not in cells:
            assert sum(c for c in cells if c is not None) == as_number(total[column]), column
    assert [as_number(total[c]) for c in ("Requests", "Urgent")] == [11, 10]
    assert all(r["Withheld"] == "" for r in stations)


def test_first_contact_counts_working_hours_over_a_weekend_and_a_holiday(
    app: Flask, make_staff: MakeStaff, time_machine: Any
) -> None:
    """Friday 3 April 2026, then Easter Monday: the next working day is Tuesday 7 April."""
    worker = make_staff("admin")
    friday = dt.datetime(2026, 4, 3, tzinfo=PARIS)
    tuesday = dt.datetime(2026, 4, 7, tzinfo=PARIS)
    sent = [(friday.replace(hour=16), tuesday.replace(hour=10))] * 3  # 1 + 1 = 2 hours
    sent += [(friday.replace(hour=10), tuesday.replace(hour=11))] * 2  # 7 + 2 = 9 hours: late
    made = []
    for n, (arrived, _called) in enumerate(sent):
        time_machine.move_to(arrived, tick=False)
        made.append(new_request(app, n, "st-etienne")[0])
    for request_id, (_arrived, called) in zip(made, sent, strict=True):
        time_machine.move_to(called, tick=False)
        apply_action(app, worker, request_id, "log_attempt", "no_answer", "")

    by = figures(app, dt.date(2026, 4, 1), dt.date(2026, 4, 1))

    [april] = by["period"].groups.values()
    assert sorted(round(h, 3) for h in april.hours) == [2, 2, 2, 9, 9]
    assert april.counts["overdue"] == 2
    [row], _total = publish(by["period"], april)
    assert row.median_hours == 2.0 and row.counts["overdue"] is None  # 2 is withheld


def test_page_shows_tables_with_a_total_chart_and_menu_entry(admin_client: FlaskClient) -> None:
    response = admin_client.get("/staff/stats?since=2026-01&until=2026-06", headers=EN)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<a href="/staff/stats" aria-current="page">Statistics</a>' in page
    for caption in ("By station", "By month", "By source", "By language of the call", "By outcome"):
        assert f"<caption>{caption}</caption>" in page
    months = page.split("<caption>By month</caption>")[1].split("</table>")[0]
    assert '<th scope="row">January 2026</th><td>0</td>' in months
    assert '<th scope="row">March 2026</th><td>—</td>' in months
    assert '<tfoot><tr><th scope="row">Département total</th><td>15</td>' in months
    svg = page.split("<svg")[1].split("</svg>")[0]
    assert '<title id="stats-chart-title">Requests per period</title>' in svg
    # April's 3 requests are withheld, and so March's 12: no bar but January's zero.
    assert "<desc" in svg and svg.count("<rect") == 0
    assert svg.count(">—</text>") == 2 and svg.count(">0</text>") == 4
    assert "style=" not in page and "<script" not in page
    assert "612345" not in page and "Sam" not in page and "Après" not in page


def test_quarterly_view_for_the_prefecture(admin_client: FlaskClient) -> None:
    page = admin_client.get("/staff/stats?since=2026-02&until=2026-05&view=quarter", headers=EN)
    text = page.get_data(as_text=True)
    quarters = text.split("<caption>By quarter</caption>")[1].split("</table>")[0]
    assert '<th scope="row">Q1 2026</th><td>—</td>' in quarters
    assert '<th scope="row">Q2 2026</th><td>—</td>' in quarters
    assert '<th scope="row">Département total</th><td>15</td>' in quarters
    outcomes = text.split("<caption>By outcome</caption>")[1].split("</table>")[0]
    assert '<th scope="row">Still open</th><td>8</td>' in outcomes
    rows = read_csv(
        admin_client.get("/staff/stats.csv?since=2026-02&until=2026-05&view=quarter", headers=EN)
    )
    assert [r["Group"] for r in rows if r["Breakdown"] == "Period"] == [
        "2026-Q1",
        "2026-Q2",
        "Département total",
    ]


def test_filters_by_station_and_period(app: Flask, admin_client: FlaskClient) -> None:
    roanne = station_id(app, "roanne")
    only_roanne = read_csv(admin_client.get(f"/staff/stats.csv?station={roanne}", headers=EN))
    assert [r["Group"] for r in only_roanne if r["Breakdown"] == "Station"] == [
        "Commissariat de Roanne",
        "Total",
    ]
    older = read_csv(admin_client.get("/staff/stats.csv?since=2025-01&until=2025-01", headers=EN))
    assert [r["Requests"] for r in older if r["Breakdown"] == "Period"] == ["", ""]


def test_a_station_name_is_never_run_as_a_spreadsheet_formula(
    app: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    with app.app_context():
        db.session().add(Station(code="odd", name="=1+1", kind="brigade", commune="Feurs"))
        db.session().commit()
    new_request(app, 1, "odd")
    client = app.test_client()
    login_as(client, make_staff("admin"))

    rows = read_csv(client.get("/staff/stats.csv", headers=EN))

    assert "'=1+1" in [r["Group"] for r in rows]
    assert "=1+1" not in [r["Group"] for r in rows]


@pytest.mark.parametrize(
    "query",
    [
        "since=soon",
        "since=2026-05&until=2026-01",
        "station=9999",
        "since=2020-01&until=2026-01",
        "until=2026-13",
    ],
)
def test_a_bad_filter_is_refused_plainly(admin_client: FlaskClient, query: str) -> None:
    for path in ("/staff/stats", "/staff/stats.csv"):
        response = admin_client.get(f"{path}?{query}", headers=EN)
        assert response.status_code == 400, path
        assert 'class="error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["intervenant", "referrer", "partner"])
def test_only_coordinators_see_statistics(
    app: Flask, role: str, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    client = app.test_client()
    assert client.get("/staff/stats").headers["Location"].endswith("/staff/login")
    login_as(client, make_staff(role))
    for path in ("/staff/stats", "/staff/stats.csv"):
        assert client.get(path).status_code == 403
    assert "/staff/stats" not in client.get("/staff/", follow_redirects=True).get_data(as_text=True)
