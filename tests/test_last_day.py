"""Her last day is a hard rule: past it a request never counts as callable, never ranks above a
callable one in any order of the queue, and is shown apart with what to do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request
from helpers.staff import StaffAccount, act, staff_client
from helpers.web import csrf_of, found_in, rows, text_of

from portal.core.timezone import PARIS

EVERY_WINDOW = ["08:00-10:00", "10:00-12:00", "12:00-14:00", "14:00-17:00", "17:00-20:00"]
AFTERNOON = ["14:00-17:00"]
# Tuesday 9 June 2026, 10:30 in Paris: her last day was Monday.
NOW = dt.datetime(2026, 6, 9, 10, 30, tzinfo=PARIS)
MONDAY = dt.date(2026, 6, 8)


@pytest.fixture
def two_requests(app: Flask, time_machine: Any) -> tuple[int, int]:
    """A: older, its window closed now. B: newer, urgent, every window open, last day Monday."""
    time_machine.move_to(NOW - dt.timedelta(days=3), tick=False)
    older = new_request(app, safe_windows=AFTERNOON)
    time_machine.move_to(NOW - dt.timedelta(days=2), tick=False)
    past = new_request(app, safe_windows=EVERY_WINDOW, urgent=True, do_not_call_after=MONDAY)
    time_machine.move_to(NOW, tick=False)
    return older, past


@pytest.fixture
def worker(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> FlaskClient:
    return staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))


@pytest.mark.parametrize("sort", ["", "?sort=oldest", "?sort=newest", "?status=new"])
def test_past_her_last_day_never_ranks_above_a_callable_request(
    two_requests: tuple[int, int], worker: FlaskClient, sort: str
) -> None:
    older, past = two_requests
    listed = rows(worker.get(f"/staff/{sort}").get_data(as_text=True))
    assert [ident for ident, _ in listed] == [older, past]
    words = dict(listed)[past]
    assert "Past her last day" in words and "Close the request, or ask the coordinator" in words
    assert "Safe now" not in words


def test_those_past_her_last_day_come_under_a_heading_of_their_own(
    two_requests: tuple[int, int], worker: FlaskClient
) -> None:
    older, past = two_requests
    page = worker.get("/staff/").get_data(as_text=True)
    heading = page.index("Past her last day: do not call.")
    assert page.index(f"/staff/requests/{older}") < heading < page.index(f"/staff/requests/{past}")
    assert '<th colspan="8" scope="rowgroup">' in page
    reference = found_in(rf'href="/staff/requests/{past}">([^<]+)<', page)
    found = worker.post("/staff/search", data={"q": reference, "csrf_token": csrf_of(page)})
    text = found.get_data(as_text=True)
    assert [ident for ident, _ in rows(text)] == [past]
    assert "Past her last day: do not call." not in text  # search results come in no groups


def test_its_page_says_not_to_call_and_no_call_can_be_planned(
    two_requests: tuple[int, int], worker: FlaskClient
) -> None:
    _older, past = two_requests
    page = text_of(worker.get(f"/staff/requests/{past}"))
    assert "Her last day has passed: do not call." in page
    assert "ask the coordinator" in page
    refused = act(worker, past, "schedule", when="2026-06-09T11:00")
    assert refused.status_code == 400
    assert "asked not to be called after that date" in text_of(refused)


def test_a_request_past_its_last_day_is_not_overdue(
    two_requests: tuple[int, int], worker: FlaskClient
) -> None:
    older, past = two_requests
    listed = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert "Overdue" in listed[older] and "Overdue" not in listed[past]
