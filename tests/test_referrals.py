"""Referrals by police officers and gendarmes: write-only, into their own station's queue."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request, station_id
from helpers.fixture_types import LoginAs, MakeStaff, Submit
from helpers.staff import (
    NIGHT,
    act,
    audit_actions,
    referral_form,
    send_referral,
    staff_client,
)
from helpers.web import csrf_of, rows, text_of
from sqlalchemy import select

from portal.core import db
from portal.core.timezone import PARIS
from portal.models import AuditEvent, CallbackRequest
from portal.stations import registry

# Monday 8 June 2026, 23:30 in Paris: only the night window is open.
LATE_EVENING = dt.datetime(2026, 6, 8, 23, 30, tzinfo=PARIS)


def all_requests(app: Flask) -> list[CallbackRequest]:
    with app.app_context():
        query = select(CallbackRequest).order_by(CallbackRequest.id)
        return list(db.session().scalars(query))


@pytest.fixture
def officer(
    app: Flask,
    make_staff: MakeStaff,
    time_machine: Any,
    login_as: LoginAs,
) -> FlaskClient:
    time_machine.move_to(LATE_EVENING - dt.timedelta(hours=1), tick=False)
    account = make_staff("referrer", ["st-etienne", "firminy"], username="officer")
    return staff_client(app, login_as, account)


def test_a_referral_enters_the_station_queue_first(
    app: Flask,
    officer: FlaskClient,
    time_machine: Any,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    # A request from the person herself, sent earlier the same evening and not urgent.
    earlier = new_request(app, safe_windows=[NIGHT])
    response = send_referral(officer, referral_form(app))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff/referral/sent")
    confirmation = text_of(officer.get(response.headers["Location"]))
    referral = all_requests(app)[-1]
    # A receipt: the reference and what to tell the person, never her own details.
    assert referral.reference in confirmation and "Leïla" not in confirmation
    assert "06 71 22 33 44" not in confirmation.replace("\u00a0", " ")
    assert "04 65 71 00 01" in confirmation.replace(
        "\u00a0", " "
    )  # the station's number, that will call
    assert "Only at the times she chose" in confirmation
    assert (referral.source, referral.urgent) == ("referral", True)
    assert referral.station_id == station_id(app, "st-etienne")
    assert referral.safe_windows == ["20:00-22:00", NIGHT]
    assert referral.call_language == "ar"
    with app.app_context():
        actions = db.session().scalars(select(AuditEvent.action)).all()
        assert "referral.create" in actions

    time_machine.move_to(LATE_EVENING, tick=False)
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    queue = rows(worker.get("/staff/").get_data(as_text=True))
    assert [ident for ident, _ in queue] == [referral.id, earlier]
    text = dict(queue)
    assert "Referral" in text[referral.id] and "Urgent" in text[referral.id]
    assert "Safe now, until 08:00" in text[referral.id]
    page = text_of(worker.get(f"/staff/requests/{referral.id}"))
    assert "+33671223344" in page and "Leïla" in page
    assert "Plainte déposée ce soir, enfants présents" in page
    assert "request.view" in audit_actions(app, referral.id)


def test_a_referral_to_the_officers_second_station(app: Flask, officer: FlaskClient) -> None:
    response = send_referral(officer, referral_form(app, station="firminy", urgent=None))
    assert response.status_code == 303
    referral = all_requests(app)[-1]
    assert referral.station_id == station_id(app, "firminy") and not referral.urgent


def test_a_referral_to_a_closed_station_reaches_the_coordinator(
    app: Flask, officer: FlaskClient
) -> None:
    with app.app_context():
        registry.close_station(registry.station_by_code("firminy"))
        db.session().commit()
    response = send_referral(officer, referral_form(app, station="firminy"))
    assert response.status_code == 303
    assert all_requests(app)[-1].station_id is None


def test_every_referral_is_stored_even_past_the_per_number_cap(
    app: Flask, officer: FlaskClient
) -> None:
    # The cap turns away floods from the public form; an officer's referral is never dropped.
    cap = app.config["MAX_OPEN_PER_PHONE"]
    for _ in range(cap + 1):
        assert send_referral(officer, referral_form(app)).status_code == 303
    stored = all_requests(app)
    assert len(stored) == cap + 1
    assert {r.duplicate_of_id for r in stored[1:]} == {stored[0].id}


def test_a_referral_joins_the_entry_of_the_number(
    app: Flask,
    officer: FlaskClient,
    make_staff: MakeStaff,
    login_as: LoginAs,
    submit: Submit,
) -> None:
    """The person asked herself first; the officer's referral for her number joins that entry."""
    assert submit(phone="06 71 22 33 44", name="Leïla").status_code == 303
    assert send_referral(officer, referral_form(app)).status_code == 303
    own, referral = all_requests(app)
    assert referral.source == "referral" and referral.duplicate_of_id == own.id
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    text = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert list(text) == [own.id]
    assert "2 requests from this number" in text[own.id]
    assert "Urgent" in text[own.id]  # the officer marked it urgent: the entry is
    page = text_of(worker.get(f"/staff/requests/{own.id}"))
    listed = page.split("Other requests from the same number", 1)[1].split("</ul>", 1)[0]
    assert referral.reference in listed and "Referral" in listed


def test_the_officer_sees_no_request(app: Flask, officer: FlaskClient) -> None:
    send_referral(officer, referral_form(app))
    referral = all_requests(app)[-1]
    home = officer.get("/staff/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/staff/referral")
    assert officer.get("/staff/?status=open").headers["Location"].endswith("/staff/referral")
    assert officer.get(f"/staff/requests/{referral.id}").status_code == 403
    page = officer.get("/staff/referral").get_data(as_text=True)
    assert referral.reference not in page
    token = csrf_of(page)
    taken = officer.post(
        f"/staff/requests/{referral.id}/take", data={"take-csrf_token": token, "take-version": "1"}
    )
    assert taken.status_code == 403
    with app.app_context():
        stored = db.session().get(CallbackRequest, referral.id)
        assert stored is not None and stored.assigned_to_id is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"consent": None}, "A referral needs the person's agreement."),
        ({"windows": None}, "Choose at least one time when it is safe to call."),
        ({"phone": "12"}, "This phone number does not look right."),
        ({"phone": ""}, "Enter the phone number."),
        ({"station": "roanne"}, "Not a valid choice"),
        ({"station": "not-a-number"}, "Not a valid choice"),
        ({"station": None}, "Not a valid choice"),
        ({"windows": ["03:00-04:00"]}, "not a valid choice"),
        ({"call_language": "xx"}, "Not a valid choice"),
    ],
)
def test_a_wrong_referral_is_refused_with_a_reason(
    app: Flask, officer: FlaskClient, change: dict[str, Any], message: str
) -> None:
    data = referral_form(app)
    if change.get("station") == "roanne":
        change = {"station": str(station_id(app, "roanne"))}
    data = {k: v for k, v in {**data, **change}.items() if v is not None}
    response = send_referral(officer, data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert all_requests(app) == []


def test_an_urgent_referral_waits_behind_an_older_urgent_request(
    app: Flask,
    officer: FlaskClient,
    time_machine: Any,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    older_urgent = new_request(app, urgent=True, safe_windows=[NIGHT])
    time_machine.move_to(LATE_EVENING - dt.timedelta(minutes=50), tick=False)
    assert send_referral(officer, referral_form(app)).status_code == 303
    referral = all_requests(app)[-1]
    time_machine.move_to(LATE_EVENING, tick=False)
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    assert [i for i, _ in rows(worker.get("/staff/").get_data(as_text=True))] == [
        older_urgent,
        referral.id,
    ]
    assert act(worker, referral.id, "take").status_code == 303


def test_the_referral_form_asks_what_the_public_form_asks(
    app: Flask,
    officer: FlaskClient,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    page = officer.get("/staff/referral").get_data(as_text=True)
    assert "threats to kill" in page  # "urgent" is defined in words
    fields = {
        "voicemail_ok": "y",
        "sms_only": "y",
        "if_someone_else": "Un appel de la pharmacie",
        "no_call_after": "2026-07-01",
    }
    assert send_referral(officer, referral_form(app, **fields)).status_code == 303
    referral = all_requests(app)[-1]
    assert (referral.voicemail_ok, referral.sms_ok, referral.sms_only) == (True, True, True)
    assert referral.do_not_call_after == dt.date(2026, 7, 1)
    assert referral.cover_story_enc and "pharmacie" not in referral.cover_story_enc
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    shown = text_of(worker.get(f"/staff/requests/{referral.id}"))
    assert "Un appel de la pharmacie" in shown and "Text messages only" in shown
    past = referral_form(app, no_call_after="2020-01-01")
    assert send_referral(officer, past).status_code == 400


def test_my_referrals_list_the_reference_and_whether_a_first_call_was_tried(
    app: Flask,
    officer: FlaskClient,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    assert send_referral(officer, referral_form(app)).status_code == 303
    receipt = text_of(officer.get("/staff/referral/sent"))
    referral = all_requests(app)[-1]
    assert referral.reference in receipt and re.fullmatch(
        r"[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]", referral.reference
    )
    mine = text_of(officer.get("/staff/referrals"))
    assert referral.reference in mine and "Not yet" in mine
    assert "Leïla" not in mine and "06 71 22 33 44" not in mine and "Arabic" not in mine
    # Another officer sees none of it.
    other = staff_client(app, login_as, make_staff("referrer", ["st-etienne"]))
    assert referral.reference not in text_of(other.get("/staff/referrals"))
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    assert act(worker, referral.id, "attempt", outcome="no_answer").status_code == 303
    assert "Tried" in text_of(officer.get("/staff/referrals"))
