"""The service's calling hours where she chooses her times: said plainly, other times still
possible; and the queue tells the social worker which requests no call can reach."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from helpers.staff import StaffAccount, staff_client

from portal.casework.calling_hours import outside_calling_hours

TAG = "Outside calling hours: text, or call at the edge"


def test_the_form_says_when_the_service_calls(client: FlaskClient) -> None:
    page = html.unescape(client.get("/en/").get_data(as_text=True))
    assert "We call from Monday to Friday, 9:00\u202fAM to 5:00\u202fPM" in page
    assert "nobody calls outside these hours" in page
    french = html.unescape(client.get("/fr/").get_data(as_text=True))
    assert "Nous appelons du lundi au vendredi, de 09:00 à 17:00" in french
    assert 'value="20:00-22:00"' in french  # evenings stay possible


def test_which_times_no_call_can_reach() -> None:
    hours = "09:00-17:00"
    assert outside_calling_hours(["20:00-22:00"], [5, 6], hours)
    assert outside_calling_hours(["17:00-20:00", "20:00-22:00"], None, hours)
    assert outside_calling_hours(["10:00-12:00"], [5, 6], hours)  # weekend only
    assert not outside_calling_hours(["08:00-10:00"], [0], hours)
    assert not outside_calling_hours(["20:00-22:00", "14:00-17:00"], None, hours)


def test_the_queue_marks_requests_outside_the_hours(
    app: Flask,
    submit: Any,
    login_as: Callable[..., Any],
    make_staff: Callable[..., StaffAccount],
) -> None:
    assert submit(station="st-etienne", windows=["20:00-22:00"], days=["5", "6"]).status_code == 303
    assert submit(station="st-etienne", phone="06 12 34 56 79").status_code == 303
    worker = make_staff("intervenant", ["st-etienne"])
    queue = html.unescape(staff_client(app, login_as, worker).get("/staff/").get_data(as_text=True))
    assert queue.count(TAG) == 1
