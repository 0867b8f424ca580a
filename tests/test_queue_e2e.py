"""A request's whole life, as the people involved see it.

A person asks for a callback on the public form; the social worker of her station finds it in her
queue at once, takes it, calls, closes it; after the retention period the purge erases the
personal data and keeps the anonymous record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import stored_row
from helpers.fixture_types import LoginAs, MakeStaff, Submit
from helpers.staff import act, audit_actions, staff_client, state
from helpers.web import rows, text_of
from sqlalchemy import select

from portal.core import db
from portal.core.timezone import PARIS
from portal.models import CallAttempt, CallbackRequest

# Monday 8 June 2026, 09:30 in Paris; the person chose 10:00-12:00 and 14:00-17:00.
MONDAY = dt.datetime(2026, 6, 8, 9, 30, tzinfo=PARIS)


def test_from_the_public_form_to_the_purge(
    app: Flask,
    client: FlaskClient,
    submit: Submit,
    time_machine: Any,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    time_machine.move_to(MONDAY, tick=False)
    worker_account = make_staff("intervenant", ["st-etienne"], username="marie")
    elsewhere_account = make_staff("intervenant", ["roanne"], username="paul")
    admin_account = make_staff("admin", username="claire")

    sent = submit("/en/", phone="06 12 34 56 78", name="Sam", message="Après 14 h c'est mieux.")
    assert sent.status_code == 303
    assert "Your request is saved" in text_of(client.get(sent.headers["Location"]))

    # One page load later, the request is in Saint-Étienne's queue and nowhere else.
    time_machine.move_to(MONDAY + dt.timedelta(minutes=1), tick=False)
    worker = staff_client(app, login_as, worker_account)
    queue = rows(worker.get("/staff/").get_data(as_text=True))
    assert len(queue) == 1
    request_id, row = queue[0]
    assert "Next safe window: today 10:00" in row and "Referral" not in row
    elsewhere = staff_client(app, login_as, elsewhere_account)
    assert rows(elsewhere.get("/staff/").get_data(as_text=True)) == []

    page = text_of(worker.get(f"/staff/requests/{request_id}"))
    assert "+33612345678" in page and "Sam" in page and "Après 14 h c'est mieux." in page
    assert act(worker, request_id, "take").status_code == 303

    # At 10:15 the window is open: she calls, reaches the person, and closes the request.
    time_machine.move_to(MONDAY + dt.timedelta(minutes=45), tick=False)
    worker = staff_client(app, login_as, worker_account)
    row = dict(rows(worker.get("/staff/").get_data(as_text=True)))[request_id]
    assert "Safe now, until 12:00" in row and "marie" in row
    reached = act(worker, request_id, "attempt", outcome="reached", note="RDV jeudi au CCAS")
    assert reached.status_code == 303
    closed = act(worker, request_id, "close", outcome="accompanied", known="no")
    assert closed.status_code == 303
    assert rows(worker.get("/staff/").get_data(as_text=True)) == []
    assert [i for i, _ in rows(worker.get("/staff/?status=closed").get_data(as_text=True))] == [
        request_id
    ]
    after = state(app, request_id)
    assert (after["status"], after["outcome"], after["attempt_count"]) == (
        "closed",
        "accompanied",
        1,
    )
    actions = audit_actions(app, request_id)
    for action in ("view", "take", "attempt", "close"):
        assert f"request.{action}" in actions

    # The day before the retention period ends, the purge keeps everything.
    runner = app.test_cli_runner()
    retention = app.config["RETENTION_DAYS"]
    time_machine.move_to(MONDAY + dt.timedelta(days=retention - 1), tick=False)
    assert runner.invoke(args=["purge"]).exit_code == 0
    with app.app_context():
        kept = stored_row(CallbackRequest, request_id)
        assert kept is not None and kept.phone_enc is not None and kept.purged_at is None

    # Once it has passed, the personal data is gone; the anonymous record stays.
    time_machine.move_to(MONDAY + dt.timedelta(days=retention + 1), tick=False)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        purged = stored_row(CallbackRequest, request_id)
        assert purged is not None and purged.purged_at is not None
        assert (purged.phone_enc, purged.name_enc, purged.message_enc) == (None, None, None)
        assert (purged.status, purged.outcome, purged.known_to_services) == (
            "closed",
            "accompanied",
            "no",
        )
        attempt = db.session().scalars(select(CallAttempt)).one()
        assert attempt.outcome == "reached" and attempt.note_enc is None
    admin = staff_client(app, login_as, admin_account)
    page = text_of(admin.get(f"/staff/requests/{request_id}"))
    assert "Erased" in page
    assert "+33612345678" not in page and "RDV jeudi" not in page and "Sam" not in page
    refused = act(admin, request_id, "reopen")
    assert refused.status_code == 400
    assert state(app, request_id)["status"] == "closed"
