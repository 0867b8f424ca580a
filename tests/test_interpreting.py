"""Calls in another language: "interpreter needed" from one rule, a booking recorded on the
request (its note encrypted), shown in the queue and on the request, and counted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask
from helpers.factories import new_request
from helpers.staff import StaffAccount, act, audit_actions, staff_client
from helpers.web import rows, text_of

from portal.casework.interpreting import needs_interpreter
from portal.core import db
from portal.core.timezone import PARIS
from portal.models import CallbackRequest
from portal.reporting import statistics
from portal.reporting.periods import Period

NOTE = "Dialecte syrien, interprète femme demandée"


def test_interpreter_needed_is_one_rule() -> None:
    assert needs_interpreter("ar") and needs_interpreter("uk") and needs_interpreter("ps")
    assert not needs_interpreter("fr") and not needs_interpreter("fr-falc")
    assert not needs_interpreter("")


def test_a_booking_is_recorded_shown_and_counted(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    arabic = new_request(app, call_language="ar")
    french = new_request(app)
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    queue = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert "Interpreter needed" in queue[arabic] and "Interpreter needed" not in queue[french]

    when = (dt.datetime.now(PARIS) + dt.timedelta(days=1)).replace(hour=14, minute=0)
    done = act(
        worker,
        arabic,
        "interpreter",
        when=when.strftime("%Y-%m-%dT%H:%M"),
        service="ISM Interprétariat",
        note=NOTE,
    )
    assert done.status_code == 303
    page = text_of(worker.get(f"/staff/requests/{arabic}"))
    assert "Interpreter booked: tomorrow 14:00 (ISM Interprétariat)" in page
    assert NOTE in page
    queue = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert "Interpreter booked: tomorrow 14:00" in queue[arabic]
    assert "request.interpreter" in audit_actions(app, arabic)
    with app.app_context():
        stored = db.session().get(CallbackRequest, arabic)
        assert stored is not None and stored.interpreter_note_enc
        assert (
            NOTE not in stored.interpreter_note_enc and "syrien" not in stored.interpreter_note_enc
        )
        today = dt.datetime.now(PARIS).date()
        period = Period.last_months(today, 1)
        rule = statistics.FirstContactRule.from_config(app.config)
        tally = statistics.Tally()
        for facts in statistics.request_facts(period, None, dt.datetime.now(dt.UTC), rule):
            tally.add(facts)
    assert tally.counts["interpreter_needed"] == 1
    assert tally.counts["interpreter_booked"] == 1


def test_a_booking_needs_a_time_and_a_service(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    arabic = new_request(app, call_language="ar")
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    refused = act(worker, arabic, "interpreter", when="", service="", note=NOTE)
    page = text_of(refused)
    assert refused.status_code == 400
    assert 'class="error-summary"' in page
    assert "Say which service" in page and NOTE in page  # what she typed stays
