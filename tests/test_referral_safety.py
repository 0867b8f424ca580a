"""An officer's referral carries the person's safety choices (safe days included) and the
officer's danger assessment, which orders the queue; she corrects or withdraws her own referral
(audited, and the social worker sees what changed); her pace is bounded per account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request
from helpers.staff import (
    NIGHT,
    StaffAccount,
    audit_actions,
    referral_form,
    send_correction,
    send_referral,
    staff_client,
)
from helpers.web import rows, text_of
from sqlalchemy import select

from portal.core import db
from portal.core.timezone import PARIS
from portal.models import CallbackRequest

# Monday 8 June 2026, 23:30 in Paris: only the night window is open.
LATE_EVENING = dt.datetime(2026, 6, 8, 23, 30, tzinfo=PARIS)


def stored(app: Flask) -> list[CallbackRequest]:
    with app.app_context():
        return list(db.session().scalars(select(CallbackRequest).order_by(CallbackRequest.id)))


@pytest.fixture
def officer(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    time_machine: Any,
    login_as: Callable[..., Any],
) -> FlaskClient:
    time_machine.move_to(LATE_EVENING - dt.timedelta(hours=1), tick=False)
    return staff_client(app, login_as, make_staff("referrer", ["st-etienne"]))


@pytest.fixture
def worker(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> FlaskClient:
    return staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))


def test_the_form_offers_safe_days_and_the_danger_assessment(
    app: Flask, officer: FlaskClient
) -> None:
    page = text_of(officer.get("/staff/referral"))
    assert 'name="days"' in page and "Which days are safe?" in page
    assert 'name="danger_grid"' in page and 'name="red_answers"' in page
    data = referral_form(app, days=["1", "3"], danger_grid="yes", red_answers="3")
    assert send_referral(officer, data).status_code == 303
    (referral,) = stored(app)
    assert referral.safe_days == [1, 3] and referral.window_mask != 0
    assert referral.danger_characterised and referral.danger_red_answers == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"days": ["9"]}, "Choose days from the list."),
        ({"red_answers": "6"}, "Give a number from 0 to 5."),
        ({"danger_grid": "no", "red_answers": "2"}, "the grid says the danger is characterised"),
    ],
)
def test_a_wrong_assessment_or_day_is_refused(
    app: Flask, officer: FlaskClient, fields: dict[str, Any], message: str
) -> None:
    response = send_referral(officer, referral_form(app, **fields))
    assert response.status_code == 400 and message in text_of(response)
    assert stored(app) == []


def test_a_characterised_danger_ranks_first_among_urgent_requests(
    app: Flask, officer: FlaskClient, worker: FlaskClient
) -> None:
    card = new_request(app, trust="card", urgent=True, safe_windows=[NIGHT])
    assert send_referral(officer, referral_form(app, phone="06 71 00 00 01")).status_code == 303
    characterised = referral_form(app, phone="06 71 00 00 02", danger_grid="yes", urgent=None)
    assert send_referral(officer, characterised).status_code == 303
    plain, danger = (r.id for r in stored(app)[1:])
    for sort in ("", "?sort=oldest", "?sort=newest"):
        order = [i for i, _ in rows(worker.get(f"/staff/{sort}").get_data(as_text=True))]
        assert order[0] == danger and set(order) == {card, plain, danger}
    line = dict(rows(worker.get("/staff/").get_data(as_text=True)))[danger]
    assert "Danger characterised" in line and "Urgent" in line


def test_an_officer_corrects_her_referral_and_the_social_worker_sees_what_changed(
    app: Flask, officer: FlaskClient, worker: FlaskClient
) -> None:
    send_referral(officer, referral_form(app))
    (referral,) = stored(app)
    listing = text_of(officer.get("/staff/referrals"))
    assert f"Correct or withdraw {referral.reference}" in listing
    form = text_of(officer.get(f"/staff/referrals/{referral.id}/correct"))
    assert 'value="+33671223344"' in form  # what she typed, to correct
    corrected = referral_form(app, phone="06 71 99 88 77", windows=["08:00-10:00"], days=["5"])
    response = send_correction(officer, referral.id, corrected)
    assert response.status_code == 303
    assert "phone number, safe windows, safe days" in text_of(officer.get("/staff/referrals"))
    (after,) = stored(app)
    assert after.safe_windows == ["08:00-10:00"] and after.safe_days == [5]
    assert after.phone_index != referral.phone_index and after.version > referral.version
    page = text_of(worker.get(f"/staff/requests/{referral.id}"))
    assert "The officer corrected this referral" in page
    assert "phone number, safe windows, safe days" in page and "tel:+33671998877" in page
    actions = audit_actions(app, referral.id)
    assert actions[0] == "referral.create" and "referral.correct" in actions
    assert actions.index("referral.open") < actions.index("referral.correct")


def test_an_officer_withdraws_her_referral_after_confirming(
    app: Flask, officer: FlaskClient, worker: FlaskClient
) -> None:
    send_referral(officer, referral_form(app))
    (referral,) = stored(app)
    page = officer.get(f"/staff/referrals/{referral.id}/correct").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    path = f"/staff/referrals/{referral.id}/withdraw"
    asked = officer.post(path, data={"csrf_token": token})
    assert asked.status_code == 200 and "Withdraw referral" in text_of(asked)
    assert stored(app)[0].status == "new"  # nothing changes before the confirmation
    done = officer.post(path, data={"csrf_token": token, "confirmed": "1"})
    assert done.status_code == 303
    (after,) = stored(app)
    assert after.status == "cancelled" and after.outcome == "withdrawn"
    assert rows(worker.get("/staff/").get_data(as_text=True)) == []
    assert "The officer withdrew this referral" in text_of(
        worker.get(f"/staff/requests/{referral.id}")
    )
    assert "referral.withdraw" in audit_actions(app, referral.id)
    assert officer.get(f"/staff/referrals/{referral.id}/correct").status_code == 404


def test_another_officer_cannot_touch_a_referral(
    app: Flask,
    officer: FlaskClient,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    send_referral(officer, referral_form(app))
    (referral,) = stored(app)
    colleague = staff_client(app, login_as, make_staff("referrer", ["st-etienne"]))
    assert colleague.get(f"/staff/referrals/{referral.id}/correct").status_code == 404


def test_thirty_referrals_in_a_minute_do_not_all_reach_the_queue(
    app: Flask, officer: FlaskClient
) -> None:
    answers = [
        send_referral(officer, referral_form(app, phone=f"06 72 00 00 {n:02d}")).status_code
        for n in range(30)
    ]
    assert answers.count(303) == 10 and set(answers[10:]) == {429}
    assert len(stored(app)) == 10
    refused = send_referral(officer, referral_form(app, phone="06 72 00 01 00"))
    words = text_of(refused)
    assert "Too many referrals in a short time" in words and "This referral was not sent" in words
    assert 'value="06 72 00 01 00"' in words  # her form, as she filled it in
