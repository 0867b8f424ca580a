"""Staff members in tests: their accounts, their logins and what they do on a request's page."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from helpers.fixture_types import LoginAs
from portal.casework import transitions
from portal.core import db
from portal.models import AuditEvent, CallbackRequest, StaffUser
from portal.staff import auth

from .factories import station_id, stored_row
from .web import csrf_of, csrf_token, hidden_value

STAFF_PASSWORD = "une phrase calme pour le bureau"


STAFF_STATIONS = {"intervenant": ["st-etienne"], "referrer": ["st-etienne"]}


@dataclass(frozen=True)
class StaffAccount:
    """What a test knows of a staff member: enough to log in as a person would."""

    id: int
    username: str
    role: str
    password: str
    secret: str

    def code(self) -> str:
        """The code the person's authenticator app shows now."""
        return pyotp.TOTP(self.secret).now()


@functools.cache
def staff_password_hash() -> str:
    """Hashed once per run: Argon2id is slow on purpose."""
    return auth.hash_password(STAFF_PASSWORD)


def post_login(client: FlaskClient, username: str, password: str, code: str) -> TestResponse:
    """Fill in and send the login form."""
    token = csrf_token(client, "/staff/login")
    data = {"username": username, "password": password, "code": code, "csrf_token": token}
    return client.post("/staff/login", data=data)


class Clock:
    """The tests' clock, ticking from the real time; `advance` moves it forward."""

    def __init__(self, machine: Any) -> None:
        self.machine = machine

    def advance(self, **delta: float) -> None:
        self.machine.shift(dt.timedelta(**delta))


def log_out(client: FlaskClient) -> TestResponse:
    """Press "Log out" (the form's token is the session's, as on any other page)."""
    return client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/login")})


def staff_browser(app: Flask) -> FlaskClient:
    """A browser asking for the back office in English, the language of the source strings."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


STATE_FIELDS = (
    "status",
    "version",
    "assigned_to_id",
    "attempt_count",
    "outcome",
    "known_to_services",
    "next_attempt_at",
    "closed_at",
)


def state(app: Flask, request_id: int) -> dict[str, Any]:
    """What the database holds for a request, as a social worker's action would change it."""
    with app.app_context():
        found = db.session().get(CallbackRequest, request_id)
        assert found is not None
        return {name: getattr(found, name) for name in STATE_FIELDS}


def audit_actions(app: Flask, request_id: int) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action).where(AuditEvent.target == f"request:{request_id}")
        return list(db.session().scalars(query.order_by(AuditEvent.id)))


def in_english(client: FlaskClient) -> FlaskClient:
    """The back office in English, the language of the messages these tests read."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def staff_client(app: Flask, login_as: LoginAs, account: StaffAccount) -> FlaskClient:
    """Another browser, logged in as someone else."""
    client = in_english(app.test_client())
    login_as(client, account)
    return client


def act(
    client: FlaskClient,
    request_id: int,
    action: str,
    version: int | str | None = None,
    page: str | None = None,
    **fields: Any,
) -> TestResponse:
    """Send one action's form from the request page, as the browser would.

    The version is the one the page showed unless given; an action whose form is not on the page
    (a tampered post) takes the page's CSRF token and the given version. A closing is sent as
    confirmed, unless `confirmed` says otherwise.
    """
    if action == "close":
        fields.setdefault("confirmed", "1")
    if page is None:
        page = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    token = hidden_value(page, f"{action}-csrf_token") or hidden_value(page, "csrf_token")
    shown = hidden_value(page, f"{action}-version")
    data = {f"{action}-{key}": value for key, value in fields.items()}
    data[f"{action}-csrf_token"] = token
    data[f"{action}-version"] = str(version if version is not None else shown)
    path = f"/staff/requests/{request_id}/{action.replace('_', '-')}"
    return client.post(path, data=data)


NIGHT = "22:00-08:00"


def referral_form(app: Flask, station: str = "st-etienne", **fields: Any) -> dict[str, Any]:
    data = {
        "phone": "06 71 22 33 44",
        "name": "Leïla",
        "windows": ["20:00-22:00", NIGHT],
        "call_language": "ar",
        "notes": "Plainte déposée ce soir, enfants présents",
        "consent": "y",
        "urgent": "y",
        "station": str(station_id(app, station)),
        **fields,
    }
    return {k: v for k, v in data.items() if v is not None}


def send_referral(client: FlaskClient, data: dict[str, Any]) -> TestResponse:
    page = client.get("/staff/referral").get_data(as_text=True)
    return client.post("/staff/referral", data={**data, "csrf_token": csrf_of(page)})


def apply_action(app: Flask, staff: StaffAccount, request_id: int, action: str, *args: Any) -> None:
    """Do what a social worker does on the request page, through the casework functions."""
    with app.app_context():
        actor = stored_row(StaffUser, staff.id)
        request = stored_row(CallbackRequest, request_id)
        getattr(transitions, action)(request, actor, *args, version=request.version)
        transitions.commit_action()
