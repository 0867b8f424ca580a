"""What a call taught about a number stays with every open request of it: "someone else
answered" raised on one request is still on the others after that one is closed, in the queue
and on their pages, until a social worker clears it (audited); so are the attempts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request
from helpers.staff import StaffAccount, act, audit_actions, staff_client
from helpers.web import rows, text_of

from portal.core.timezone import PARIS

NUMBER = "+33612340001"
EVERY_WINDOW = ["08:00-10:00", "10:00-12:00", "12:00-14:00", "14:00-17:00", "17:00-20:00"]
# Tuesday 9 June 2026, 10:30 in Paris.
MORNING = dt.datetime(2026, 6, 9, 10, 30, tzinfo=PARIS)


def same_number_requests(app: Flask, time_machine: Any, count: int) -> list[int]:
    made = []
    for n in range(count):
        time_machine.move_to(MORNING - dt.timedelta(hours=count - n), tick=False)
        made.append(new_request(app, phone_e164=NUMBER, safe_windows=EVERY_WINDOW, name="Sam"))
    time_machine.move_to(MORNING, tick=False)
    return made


def queue_rows(client: FlaskClient) -> dict[int, str]:
    return dict(rows(client.get("/staff/").get_data(as_text=True)))


def test_the_risk_flag_outlives_the_request_it_was_raised_on(
    app: Flask,
    time_machine: Any,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    first, second, third = same_number_requests(app, time_machine, 3)
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    assert list(queue_rows(worker)) == [first]  # one line for the number
    assert act(worker, first, "attempt", outcome="someone_else", note="a man").status_code == 303
    closing = act(worker, first, "close", outcome="unreachable", known="unknown")
    assert closing.status_code == 303
    said = text_of(worker.get(f"/staff/requests/{first}"))
    assert "2 other request(s) from this number stay open in the queue" in said
    line = queue_rows(worker)
    assert list(line) == [second]
    # The number's line still warns, and says what the last call gave.
    assert "Risk flag" in line[second] and "Someone else answered" in line[second]
    for other in (second, third):
        page = text_of(worker.get(f"/staff/requests/{other}"))
        assert "Risk flag: someone else answered" in page
        assert "Attempts on the other requests from this number" in page


def test_a_person_clears_the_flag_for_the_whole_number_and_it_is_audited(
    app: Flask,
    time_machine: Any,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    first, second = same_number_requests(app, time_machine, 2)
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    act(worker, second, "attempt", outcome="someone_else")
    assert "Risk flag" in queue_rows(worker)[first]  # raised on the line's own request too
    assert act(worker, first, "clear_risk").status_code == 303
    assert "Risk flag" not in queue_rows(worker)[first]
    assert "Risk flag: someone" not in text_of(worker.get(f"/staff/requests/{second}"))
    assert audit_actions(app, first)[-1] == "request.clear_risk"
    coordinator = staff_client(app, login_as, make_staff("admin"))
    log = text_of(coordinator.get("/staff/audit?action=request.clear_risk"))
    assert "cleared the risk flag on request" in log


def test_a_new_request_from_a_flagged_number_carries_the_flag(
    app: Flask,
    time_machine: Any,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    (first,) = same_number_requests(app, time_machine, 1)
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    act(worker, first, "attempt", outcome="someone_else")
    act(worker, first, "close", outcome="unreachable", known="unknown")
    later = new_request(app, phone_e164=NUMBER, safe_windows=EVERY_WINDOW, name="Sam")
    assert "Risk flag" in queue_rows(worker)[later]


def test_different_details_warn_on_every_request_until_cleared(
    app: Flask,
    time_machine: Any,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    first = new_request(app, phone_e164=NUMBER, safe_windows=EVERY_WINDOW, name="Sam")
    second = new_request(app, phone_e164=NUMBER, safe_windows=EVERY_WINDOW, name="Nadia")
    third = new_request(app, phone_e164=NUMBER, safe_windows=EVERY_WINDOW, name="Sam")
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    act(worker, first, "close", outcome="oriented", known="no")
    for other in (second, third):
        assert "do not give the same details" in text_of(worker.get(f"/staff/requests/{other}"))
    assert "different details" in queue_rows(worker)[second]
    assert act(worker, third, "clear_conflict").status_code == 303
    assert "do not give the same details" not in text_of(worker.get(f"/staff/requests/{second}"))
    assert audit_actions(app, third)[-1] == "request.clear_conflict"
