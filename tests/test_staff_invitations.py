"""Invitation links: once, for a limited time, only the latest, never forged; and the enrolment."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import stored_row
from helpers.fixture_types import MakeApp
from helpers.staff import Clock, post_login, staff_browser
from helpers.web import csrf_token
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.core import db
from portal.models import AuditEvent, Role, StaffUser
from portal.staff import accounts

INVALID = "This link cannot be used"
SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7]+)</code>')
GOOD_PASSWORD = "trois merles chantent sur le toit"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return staff_browser(app)


@dataclass(frozen=True)
class Invitation:
    user_id: int
    username: str
    path: str


@pytest.fixture
def invite(app: Flask) -> Callable[..., Invitation]:
    """Create an account waiting for enrolment, as the coordinator does, and its link."""

    def make(username: str = "new.person", role: str = Role.INTERVENANT.value) -> Invitation:
        with app.app_context():
            user = accounts.create_user(username, role, ["st-etienne"])
            link = accounts.invitation_link(user)
            db.session().commit()
            return Invitation(user.id, user.username, path_of(link))

    return make


def path_of(link: str) -> str:
    assert link.startswith("https://portal.example/staff/invitation/")
    return link.removeprefix("https://portal.example")


def new_link(app: Flask, user_id: int) -> str:
    with app.app_context():
        link = accounts.invitation_link(stored_row(StaffUser, user_id))
        db.session().commit()
    return path_of(link)


def secret_on_page(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = SECRET_RE.search(page.get_data(as_text=True))
    assert found
    return found.group(1)


def enrol(
    client: FlaskClient,
    path: str,
    password: str,
    code: str | None = None,
    confirm: str | None = None,
) -> Any:
    """Fill in the enrolment form with the key shown on the page, as the authenticator app would."""
    secret = secret_on_page(client, path)
    data = {
        "password": password,
        "confirm": password if confirm is None else confirm,
        "code": code or pyotp.TOTP(secret).now(),
        "csrf_token": csrf_token(client, path),
    }
    return client.post(path, data=data)


def stored(app: Flask, user_id: int) -> StaffUser:
    with app.app_context():
        return stored_row(StaffUser, user_id)


def assert_invalid(response: Any) -> None:
    assert response.status_code == 404
    assert INVALID in response.get_data(as_text=True)


def test_enrolment_then_login(
    app: Flask, client: FlaskClient, invite: Callable[..., Invitation], clock: Clock
) -> None:
    invitation = invite()
    secret = secret_on_page(client, invitation.path)
    enrolment_code = pyotp.TOTP(secret).now()
    done = enrol(client, invitation.path, GOOD_PASSWORD, code=enrolment_code)
    assert done.status_code == 303
    assert done.headers["Location"].endswith("/staff/login")
    assert "Your account is ready" in client.get("/staff/login").get_data(as_text=True)
    assert stored(app, invitation.user_id).enrolled
    with app.app_context():
        enrolled = db.session().scalar(
            select(func.count()).where(
                AuditEvent.action == "user.enrol", AuditEvent.actor == invitation.username
            )
        )
    assert enrolled == 1
    # The code typed at enrolment is spent (the same code, however slow the machine); the next
    # one opens the back office.
    assert post_login(client, invitation.username, GOOD_PASSWORD, enrolment_code).status_code == 400
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).now()
    assert post_login(client, invitation.username, GOOD_PASSWORD, code).status_code == 303
    assert client.get("/staff/").status_code == 200


def test_a_link_works_once(
    client: FlaskClient, invite: Callable[..., Invitation], make_app: MakeApp
) -> None:
    invitation = invite()
    assert enrol(client, invitation.path, GOOD_PASSWORD).status_code == 303
    assert_invalid(client.get(invitation.path))
    # Nor in another browser, nor by posting to it.
    other = staff_browser(make_app())
    assert_invalid(other.get(invitation.path))
    token = csrf_token(other, "/staff/login")
    data = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "code": "123456"}
    assert_invalid(other.post(invitation.path, data={**data, "csrf_token": token}))


def test_a_link_expires(
    app: Flask, client: FlaskClient, invite: Callable[..., Invitation], clock: Clock
) -> None:
    invitation = invite()
    hours = app.config["INVITATION_HOURS"]
    clock.advance(hours=hours, minutes=-1)
    assert client.get(invitation.path).status_code == 200
    clock.advance(minutes=2)
    assert_invalid(client.get(invitation.path))
    assert not stored(app, invitation.user_id).enrolled


def test_a_new_invitation_voids_the_previous_link(
    app: Flask, client: FlaskClient, invite: Callable[..., Invitation]
) -> None:
    invitation = invite()
    latest = new_link(app, invitation.user_id)
    assert_invalid(client.get(invitation.path))
    assert enrol(client, latest, GOOD_PASSWORD).status_code == 303


def test_a_tampered_link_fails(
    app: Flask, client: FlaskClient, invite: Callable[..., Invitation]
) -> None:
    invitation = invite()
    token = invitation.path.rsplit("/", 1)[1]
    # One character of the payload changed: the signature no longer matches.
    changed = ("A" if token[0] != "A" else "B") + token[1:]
    assert_invalid(client.get(f"/staff/invitation/{changed}"))
    assert_invalid(client.get("/staff/invitation/not-a-token"))
    # A well-formed payload signed with another key, for the same account, is refused too.
    forged = URLSafeTimedSerializer("another key", salt="staff-invitation").dumps(
        {"u": invitation.user_id, "n": "guess"}
    )
    assert_invalid(client.get(f"/staff/invitation/{forged}"))
    # The genuine link still works afterwards.
    assert client.get(invitation.path).status_code == 200


def test_a_deactivated_account_cannot_use_its_link(
    app: Flask, client: FlaskClient, invite: Callable[..., Invitation]
) -> None:
    invitation = invite()
    with app.app_context():
        stored_row(StaffUser, invitation.user_id).active = False
        db.session().commit()
    assert_invalid(client.get(invitation.path))


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Court-1a", "Use at least 12 characters."),
        ("new.person est mon nom", "Do not put your username in your password."),
        ("password1234", "This password is too common"),
        ("azertyuiop12", "This password is too common"),
    ],
    ids=["short", "username", "password1234", "azertyuiop12"],
)
def test_enrolment_refuses_weak_passwords(
    password: str,
    message: str,
    app: Flask,
    client: FlaskClient,
    invite: Callable[..., Invitation],
) -> None:
    invitation = invite(username="new.person")
    refused = enrol(client, invitation.path, password)
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    assert not stored(app, invitation.user_id).enrolled
    # The link was not used up by the refusal.
    assert enrol(client, invitation.path, GOOD_PASSWORD).status_code == 303


def test_enrolment_refuses_a_wrong_code_and_different_passwords(
    app: Flask, client: FlaskClient, invite: Callable[..., Invitation]
) -> None:
    invitation = invite()
    secret = secret_on_page(client, invitation.path)
    right = pyotp.TOTP(secret).now()
    wrong = "000000" if right != "000000" else "111111"
    refused = enrol(client, invitation.path, GOOD_PASSWORD, code=wrong)
    assert refused.status_code == 400
    assert "This code is not right" in refused.get_data(as_text=True)
    mismatch = enrol(client, invitation.path, GOOD_PASSWORD, confirm=GOOD_PASSWORD + "!")
    assert mismatch.status_code == 400
    assert "The two passwords are different." in mismatch.get_data(as_text=True)
    assert not stored(app, invitation.user_id).enrolled
    # The key shown stays the same between tries, so the app set up once keeps working.
    assert secret_on_page(client, invitation.path) == secret
    assert enrol(client, invitation.path, GOOD_PASSWORD, code=right).status_code == 303
