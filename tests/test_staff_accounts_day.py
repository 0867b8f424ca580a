"""A coordinator's day with accounts: invitations by e-mail when e-mail is set up, and the last
login in the list."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import stored_row
from helpers.fixture_types import LoginAs, MakeStaff
from helpers.mail import MailSink, body_of
from helpers.staff import staff_browser
from helpers.web import csrf_token
from sqlalchemy import select

from portal.core import db
from portal.models import AuditEvent, StaffUser

LINK_RE = re.compile(r"https://portal\.example(/staff/invitation/[\w.-]+)")


@pytest.fixture
def admin_client(app: Flask, make_staff: MakeStaff, login_as: LoginAs) -> FlaskClient:
    client = staff_browser(app)
    login_as(client, make_staff("admin", username="coordination"))
    return client


def invite(client: FlaskClient, **fields: Any) -> str:
    page = "/staff/users/new"
    data = {"role": "intervenant", "stations": ["roanne"], **fields}
    response = client.post(page, data={**data, "csrf_token": csrf_token(client, page)})
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_an_invitation_goes_by_e_mail_when_e_mail_is_set_up(
    app: Flask, admin_client: FlaskClient, smtp: MailSink
) -> None:
    inbox, port = smtp
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)

    page = invite(
        admin_client, username="m.dumont", display_name="Marie Dumont", email="marie@loire.example"
    )

    assert "The invitation was sent by e-mail to marie@loire.example." in page
    shown = LINK_RE.search(page)
    assert shown
    (envelope,) = inbox.wait(1)
    assert envelope.rcpt_tos == ["marie@loire.example"]
    parsed, body = body_of(envelope)
    assert "Marie Dumont" in body and "m.dumont" in body
    assert shown.group(0) in body
    with app.app_context():
        actions = db.session().scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["user.create", "user.invite", "user.invite_sent"]
    # The link from the message works, once.
    assert staff_browser(app).get(shown.group(1)).status_code == 200


def test_without_e_mail_the_link_is_only_shown(
    app: Flask, admin_client: FlaskClient, smtp: MailSink
) -> None:
    inbox, _port = smtp
    page = invite(admin_client, username="m.dumont", email="marie@loire.example")
    assert LINK_RE.search(page) and "sent by e-mail" not in page
    assert inbox.wait(1, seconds=0.3) == []


def test_the_account_list_shows_the_last_login(
    app: Flask, admin_client: FlaskClient, make_staff: MakeStaff
) -> None:
    invited = make_staff("intervenant", username="never.here", enrolled=False)
    seen = make_staff("intervenant", username="seen.here")
    with app.app_context():
        stored_row(StaffUser, seen.id).last_login_at = dt.datetime(2026, 3, 2, 8, 15)
        db.session().commit()
    listing = admin_client.get("/staff/users").get_data(as_text=True)
    rows = {r.split("</a>")[0].rsplit(">", 1)[1]: r for r in listing.split("<tr>")[2:]}
    assert "Never" in rows[invited.username]
    assert "3/2/26, 9:15" in rows[seen.username]  # Paris time
