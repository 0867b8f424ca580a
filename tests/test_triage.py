"""The "to check" lane: a flood is stored and confirmed, kept out of the social workers' queue,
and the coordinator groups it, marks a group as spam in one action and releases real requests."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import stored_row
from helpers.fixture_types import LoginAs, MakeApp, MakeStaff
from helpers.mail import MailSink, body_of
from helpers.staff import referral_form, send_referral, staff_client
from helpers.web import VALID_FORM, csrf_token, rows, text_of

from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.models import AuditEvent, CallbackRequest, StaffUser

SPAM = "Gagnez un iPhone maintenant"


@pytest.fixture
def flooded(make_app: MakeApp) -> Flask:
    app = make_app(UNKNOWN_RATE="2 per minute")
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    return app


def send(client: FlaskClient, address: str, phone: str, **fields: Any) -> int:
    data = {**VALID_FORM, "phone": phone, "csrf_token": csrf_token(client, "/fr/"), **fields}
    return client.post("/fr/", data=data, environ_base={"REMOTE_ADDR": address}).status_code


def requests_of(app: Flask) -> list[CallbackRequest]:
    with app.app_context():
        return list(db.session().query(CallbackRequest).order_by(CallbackRequest.id))


def flood(app: Flask) -> None:
    """Two people first, then four bots from one network with one text, then a third person."""
    client = app.test_client()
    assert send(client, "192.0.2.1", "06 11 11 11 11") == 303
    assert send(client, "192.0.2.2", "06 22 22 22 22") == 303
    for n in range(4):
        assert send(client, f"203.0.113.{n + 1}", f"07 58 00 00 0{n}", message=SPAM) == 303
    assert send(client, "198.51.100.7", "06 33 33 33 33", message="Le matin") == 303


def test_a_flood_is_stored_confirmed_and_kept_out_of_the_queue(
    flooded: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    flood(flooded)
    stored = requests_of(flooded)
    assert [r.lane for r in stored] == ["queue"] * 2 + ["check"] * 5
    assert all(r.network_label is None for r in stored[:2])
    bots = stored[2:6]
    assert len({r.network_label for r in bots}) == 1 and len({r.text_label for r in bots}) == 1
    assert stored[6].network_label != bots[0].network_label
    assert stored[6].text_label != bots[0].text_label
    worker = staff_client(flooded, login_as, make_staff("intervenant", ["st-etienne"]))
    assert [ident for ident, _text in rows(worker.get("/staff/").get_data(as_text=True))] == [
        stored[0].id,
        stored[1].id,
    ]


def test_the_coordinator_marks_a_group_as_spam_and_releases_a_person(
    flooded: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    flood(flooded)
    stored = requests_of(flooded)
    coordinator = staff_client(flooded, login_as, make_staff("admin"))
    page = text_of(coordinator.get("/staff/triage?by=text"))
    assert "To check" in page
    bot_key = stored[2].text_label
    assert bot_key and bot_key in page
    for hidden in ("Gagnez", "06 33", "+33633333333", "203.0.113"):
        assert hidden not in page
    token = csrf_token(coordinator, "/staff/triage?by=text")
    done = coordinator.post(
        "/staff/triage/spam", data={"csrf_token": token, "by": "text", "key": bot_key}
    )
    assert done.status_code == 303
    assert "4 request(s) marked as spam." in text_of(coordinator.get(done.headers["Location"]))
    after = requests_of(flooded)
    assert [(r.status, r.outcome) for r in after[2:6]] == [("closed", "spam")] * 4
    assert after[6].lane == "check" and after[6].status == "new"
    token = csrf_token(coordinator, "/staff/triage?by=network")
    member_page = text_of(
        coordinator.get(f"/staff/triage?by=network&group={after[6].network_label}")
    )
    assert after[6].reference in member_page
    released = coordinator.post(
        "/staff/triage/release",
        data={"csrf_token": token, "by": "network", "request_id": str(after[6].id)},
    )
    assert released.status_code == 303
    final = requests_of(flooded)[6]
    assert final.lane == "queue" and final.network_label is None and final.text_label is None
    queue = [ident for ident, _t in rows(coordinator.get("/staff/").get_data(as_text=True))]
    assert final.id in queue and not set(queue) & {r.id for r in stored[2:6]}
    with flooded.app_context():
        actions = [e.action for e in db.session().query(AuditEvent).order_by(AuditEvent.id)]
    assert "triage.spam" in actions and "triage.release" in actions


def test_time_groups_and_the_page_is_for_coordinators_only(
    flooded: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    flood(flooded)
    coordinator = staff_client(flooded, login_as, make_staff("admin"))
    page = text_of(coordinator.get("/staff/triage"))
    assert page.count("Mark the group as spam") == 1  # five requests within ten minutes
    worker = staff_client(flooded, login_as, make_staff("intervenant", ["st-etienne"]))
    assert worker.get("/staff/triage").status_code == 403


def test_a_card_or_a_referral_lifts_its_number_out_of_the_check_lane(
    flooded: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    flood(flooded)
    officer = staff_client(flooded, login_as, make_staff("referrer", ["st-etienne"]))
    assert send_referral(officer, referral_form(flooded, phone="06 33 33 33 33")).status_code == 303
    stored = requests_of(flooded)
    assert stored[6].lane == "queue" and stored[7].lane == "queue"


def test_the_coordinator_hears_once_that_a_flood_started(
    flooded: Flask,
    smtp: MailSink,
    make_staff: MakeStaff,
) -> None:
    inbox, port = smtp
    account = make_staff("admin", username="coordinator")
    with flooded.app_context():
        user = stored_row(StaffUser, account.id)
        assert user is not None
        user.email = "coordinator@loire.example"
        db.session().commit()
    flooded.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    flood(flooded)
    deadline = time.monotonic() + 5
    while not inbox.received and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    notices = [body_of(e) for e in inbox.received]
    floods = [(m, b) for m, b in notices if "to check" in b]
    assert len(floods) == 1
    message, body = floods[0]
    assert "https://portal.example/staff/triage" in body
    for hidden in ("07 58", "+33758", "Gagnez", "203.0.113", "06 33"):
        assert hidden not in body and hidden not in str(message["Subject"])
