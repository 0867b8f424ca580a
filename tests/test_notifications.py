"""E-mail notices of new requests, through a real SMTP server on loopback.

A notice tells the station's social workers that something arrived; it never carries the
person's number, name or message, and it never stands in the way of the request itself.
"""

from __future__ import annotations

import time

import pytest
from flask import Flask
from helpers.factories import stored_row
from helpers.fixture_types import LoginAs, MakeStaff, StoredRequests, Submit
from helpers.mail import Inbox, MailSink, body_of, mail_server
from helpers.production import free_port
from helpers.staff import referral_form, send_referral
from sqlalchemy import select

from portal.core import db
from portal.models import CallbackRequest, StaffUser

NAME = "Samira Benali"
MESSAGE = "Mon mari rentre vers dix-huit heures"
PHONE_FORMS = ("06 12 34 56 78", "0612345678", "+33612345678", "33612345678", "612345678")


@pytest.fixture
def staff_with_email(app: Flask, make_staff: MakeStaff) -> dict[str, str]:
    """Who should hear of a request for Saint-Étienne, and who should not."""
    people = {
        "etienne worker": make_staff("intervenant", ["st-etienne"], username="etienne"),
        "etienne worker without email": make_staff("intervenant", ["st-etienne"]),
        "roanne worker": make_staff("intervenant", ["roanne"], username="roanne"),
        "officer": make_staff("referrer", ["st-etienne"], username="officer"),
        "coordinator": make_staff("admin", username="coordinator"),
    }
    addresses = {}
    with app.app_context():
        for label, account in people.items():
            user = stored_row(StaffUser, account.id)
            assert user is not None
            if label != "etienne worker without email":
                user.email = f"{account.username}@loire.example"
                addresses[label] = user.email
        db.session().commit()
    return addresses


@pytest.fixture
def notices(app: Flask, smtp: MailSink, staff_with_email: dict[str, str]) -> Inbox:
    """The app sends its notices to a real SMTP server on loopback; what arrives there."""
    inbox, port = smtp
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    return inbox


def test_a_submission_tells_the_station_without_personal_data(
    app: Flask,
    notices: Inbox,
    staff_with_email: dict[str, str],
    submit: Submit,
    stored_requests: StoredRequests,
) -> None:
    response = submit(phone="06 12 34 56 78", name=NAME, message=MESSAGE)
    assert response.status_code == 303
    (envelope,) = notices.wait(1)
    time.sleep(0.2)  # a second message, if one were sent, would have arrived by now
    assert len(notices.received) == 1
    assert envelope.rcpt_tos == [staff_with_email["etienne worker"]]
    parsed, body = body_of(envelope)
    assert "Saint-Étienne" in parsed["Subject"] and "[URGENT]" not in parsed["Subject"]
    assert "https://portal.example/staff/" in body
    raw = envelope.original_content.decode("utf-8", "replace")
    for text in (raw, body, str(parsed["Subject"])):
        for phone in PHONE_FORMS:
            assert phone not in text
        assert NAME not in text and "Samira" not in text
        assert MESSAGE not in text and "dix-huit" not in text
    (stored,) = stored_requests()
    assert stored.reference not in raw


def test_an_urgent_request_is_marked_urgent(
    app: Flask,
    notices: Inbox,
    staff_with_email: dict[str, str],
    submit: Submit,
) -> None:
    assert submit(danger="yes").status_code == 303
    (envelope,) = notices.wait(1)
    parsed, _ = body_of(envelope)
    assert parsed["Subject"].startswith("[URGENT]")


# No station chosen, or a station no social worker covers.
@pytest.mark.parametrize("station", ["unknown", "firminy"])
def test_a_request_nobody_else_would_hear_of_tells_the_coordinators(
    notices: Inbox, staff_with_email: dict[str, str], submit: Submit, station: str
) -> None:
    assert submit(station=station).status_code == 303
    (envelope,) = notices.wait(1)
    assert envelope.rcpt_tos == [staff_with_email["coordinator"]]


def test_no_notice_without_smtp_settings(
    app: Flask,
    smtp: MailSink,
    staff_with_email: dict[str, str],
    submit: Submit,
    stored_requests: StoredRequests,
) -> None:
    inbox, port = smtp
    assert not app.config["SMTP_HOST"]
    app.config.update(SMTP_PORT=port)  # the port alone does not switch notices on
    assert submit().status_code == 303
    assert inbox.wait(1, seconds=1.0) == []
    assert len(stored_requests()) == 1


def test_an_unreachable_smtp_server_never_breaks_a_submission(
    app: Flask,
    staff_with_email: dict[str, str],
    submit: Submit,
    stored_requests: StoredRequests,
) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    response = submit()
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/fr/sent")
    assert len(stored_requests()) == 1


def test_a_refusing_smtp_server_never_breaks_a_submission(
    app: Flask,
    staff_with_email: dict[str, str],
    submit: Submit,
    stored_requests: StoredRequests,
) -> None:
    with mail_server(refuse=True) as (_inbox, port):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        assert submit().status_code == 303
        assert len(stored_requests()) == 1


def test_a_referral_tells_the_station_too(
    app: Flask,
    notices: Inbox,
    staff_with_email: dict[str, str],
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    officer = app.test_client()
    login_as(officer, make_staff("referrer", ["st-etienne"], username="second-officer"))
    assert send_referral(officer, referral_form(app, name=NAME)).status_code == 303
    (envelope,) = notices.wait(1)
    assert envelope.rcpt_tos == [staff_with_email["etienne worker"]]
    assert NAME not in envelope.original_content.decode("utf-8", "replace")
    with app.app_context():
        assert db.session().scalars(select(CallbackRequest)).one().source == "referral"
