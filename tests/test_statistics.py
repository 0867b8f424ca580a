"""Anonymous statistics: the figures match a small known history made through the real code paths,
small counts never show, the chart is a plain SVG, and only coordinators see any of it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import station_id, store_request
from helpers.staff import StaffAccount

from portal import casework, db, reporting
from portal.callbacks import cancel_request
from portal.models import CallbackRequest, RequestSource, StaffUser, Station
from portal.timezone import PARIS

MARCH = dt.datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
# Just after midnight in Paris on 1 April, still 31 March in UTC.
APRIL_FIRST = dt.datetime(2026, 4, 1, 0, 30, tzinfo=PARIS)
TODAY = dt.datetime(2026, 6, 15, 10, 0, tzinfo=PARIS)
DELAYS = [1, 2, 3, 4, 5, 30]  # hours to the first attempt of six requests in March
EN = {"Accept-Language": "en"}


def new_request(app: Flask, n: int, station: str, **fields: Any) -> tuple[int, str]:
    submitted = store_request(
        app,
        station,
        phone_e164=f"+336123450{n:02d}",
        safe_windows=["08:00-20:00"],
        message="Après 14 h",
        **fields,
    )
    return submitted.request_id, submitted.cancel_code


def act(app: Flask, staff: StaffAccount, request_id: int, action: str, *args: Any) -> None:
    with app.app_context():
        actor = db.session().get(StaffUser, staff.id)
        request = db.session().get(CallbackRequest, request_id)
        getattr(casework, action)(request, actor, *args, version=request.version)
        casework.commit_action()


@pytest.fixture
def history(app: Flask, make_staff: Callable[..., StaffAccount], time_machine: Any) -> None:
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
        act(app, worker, request_id, "log_attempt", outcome, "Note")
    closings = [
        ("accompanied", "yes"),
        ("accompanied", "yes"),
        ("accompanied", "no"),
        ("oriented", "no"),
        ("oriented", "no"),
        ("unreachable", "unknown"),
    ]
    for (request_id, _code), (outcome, known) in zip(march, closings, strict=False):
        act(app, worker, request_id, "close", outcome, known)
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
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> FlaskClient:
    client = app.test_client()
    login_as(client, make_staff("admin"))
    return client


def test_exact_figures_per_station_and_paris_month(app: Flask, history: None) -> None:
    period = reporting.Period(dt.date(2026, 1, 1), dt.date(2026, 6, 1))
    with app.app_context():
        figures = {(f.station_id, f.month): f for f in reporting.station_months(period)}
    assert set(figures) == {
        (station_id(app, "st-etienne"), dt.date(2026, 3, 1)),
        (station_id(app, "roanne"), dt.date(2026, 4, 1)),
    }
    march = figures[(station_id(app, "st-etienne"), dt.date(2026, 3, 1))]
    assert (march.requests, march.urgent, march.referrals, march.reached) == (12, 6, 2, 5)
    assert (march.answered, march.known) == (5, 2)
    assert sorted(round(h, 3) for h in march.hours_to_first_attempt) == DELAYS
    assert march.outcomes == {
        "accompanied": 3,
        "oriented": 2,
        "unreachable": 1,
        "cancelled": 1,
        "spam": 0,
        "open": 5,
    }
    april = figures[(station_id(app, "roanne"), dt.date(2026, 4, 1))]
    assert (april.requests, april.outcomes["open"]) == (3, 3)


def read_csv(response: Any) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_suppresses_small_counts_and_the_shares_they_would_reveal(
    admin_client: FlaskClient,
) -> None:
    response = admin_client.get("/staff/stats.csv?since=2026-01&until=2026-06", headers=EN)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "statistics-2026-01-2026-06.csv" in response.headers["Content-Disposition"]
    april, march = read_csv(response)  # in order of station name
    assert (march["Station"], march["Month"]) == ("Commissariat de Saint-Étienne", "2026-03")
    assert march["Requests"] == "12"
    assert march["Urgent (%)"] == "50"
    assert march["Reached (%)"] == "42"
    assert march["Median hours to the first call attempt"] == "3.5"
    assert march["From a referral (%)"] == "withheld"  # 2 of 12
    assert march["Already known to social services (%)"] == "withheld"  # 2 of 5
    assert march["Still open"] == "5"
    for outcome in ("Accompanied", "Oriented to partners", "Unreachable", "Spam or abuse"):
        assert march[outcome] == "< 5"
    assert (april["Station"], april["Month"], april["Requests"]) == (
        "Commissariat de Roanne",
        "2026-04",
        "< 5",
    )
    assert april["Urgent (%)"] == april["Median hours to the first call attempt"] == "withheld"
    for row in (march, april):
        for value in row.values():
            assert not (value.isdigit() and int(value) < 5), row


def test_page_shows_table_chart_and_menu_entry(admin_client: FlaskClient) -> None:
    response = admin_client.get("/staff/stats", headers=EN)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<a href="/staff/stats" aria-current="page">Statistics</a>' in page
    assert "<caption>Figures per station and month</caption>" in page
    row = page.split('<th scope="row">Commissariat de Saint-Étienne</th>')[1].split("</tr>")[0]
    assert row.startswith("<td>March 2026</td><td>12</td><td>50</td><td>—</td><td>3.5</td>")
    ended = page.split("How requests ended, per station and month</caption>")[1]
    ended = ended.split('<th scope="row">Commissariat de Saint-Étienne</th>')[1].split("</tr>")[0]
    assert ended == "<td>March 2026</td>" + "<td>&lt; 5</td>" * 5 + "<td>5</td>"
    roanne = page.split('<th scope="row">Commissariat de Roanne</th>')[1].split("</tr>")[0]
    assert roanne.startswith("<td>April 2026</td><td>&lt; 5</td><td>—</td>")
    svg = page.split("<svg")[1].split("</svg>")[0]
    assert '<title id="stats-chart-title">Requests per month</title>' in svg
    assert "<desc" in svg and svg.count("<rect") == 1  # April's 3 requests get no bar
    assert ">12</text>" in svg
    assert "style=" not in page and "<script" not in page
    assert "612345" not in page and "Sam" not in page and "Après" not in page


def test_filters_by_station_and_period(app: Flask, admin_client: FlaskClient) -> None:
    roanne = station_id(app, "roanne")
    only_roanne = admin_client.get(f"/staff/stats.csv?station={roanne}", headers=EN)
    assert [r["Station"] for r in read_csv(only_roanne)] == ["Commissariat de Roanne"]
    later = admin_client.get("/staff/stats?since=2026-05&until=2026-06", headers=EN)
    assert later.status_code == 200
    assert "No request in this period." in later.get_data(as_text=True)
    older = admin_client.get("/staff/stats.csv?since=2025-01&until=2025-01", headers=EN)
    assert [r["Requests"] for r in read_csv(older)] == ["< 5"]


def test_a_station_name_is_never_run_as_a_spreadsheet_formula(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    with app.app_context():
        db.session().add(Station(code="odd", name="=1+1", kind="brigade", commune="Feurs"))
        db.session().commit()
    new_request(app, 1, "odd")
    client = app.test_client()
    login_as(client, make_staff("admin"))

    [row] = read_csv(client.get("/staff/stats.csv", headers=EN))

    assert row["Station"] == "'=1+1"


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
    app: Flask, role: str, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    client = app.test_client()
    assert client.get("/staff/stats").headers["Location"].endswith("/staff/login")
    login_as(client, make_staff(role))
    for path in ("/staff/stats", "/staff/stats.csv"):
        assert client.get(path).status_code == 403
    assert "/staff/stats" not in client.get("/staff/", follow_redirects=True).get_data(as_text=True)
