"""Back-office sessions: no fixation, idle and absolute timeouts, ended from the server, strict
cookies and headers."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import LoginAs, MakeApp, MakeStaff, SignIn
from helpers.staff import Clock, log_out, post_login, staff_browser
from helpers.web import csrf_token
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.core import db
from portal.models import StaffSession
from portal.staff.sessions import TwoSidedSessionInterface

COOKIE = "staff"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return staff_browser(app)


def is_logged_in(client: FlaskClient) -> bool:
    response = client.get("/staff/")
    if response.status_code == 302 and response.headers["Location"].endswith("/staff/login"):
        return False
    assert response.status_code == 200, response.status_code
    return True


def cookie_value(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def serializer(app: Flask, side: str) -> URLSafeTimedSerializer:
    """How the portal signs one side's session cookie."""
    interface = app.session_interface
    assert isinstance(interface, TwoSidedSessionInterface)
    found = interface.serializer_for(app, side)
    assert found is not None
    return found


def session_data(app: Flask, value: str | None) -> dict[str, Any]:
    assert value is not None, "no session cookie"
    data: dict[str, Any] = serializer(app, "staff").loads(value)
    return data


def signed_session(app: Flask, data: dict[str, Any]) -> str:
    return str(serializer(app, "staff").dumps(data))


def test_the_session_before_login_is_not_the_one_after(
    app: Flask,
    client: FlaskClient,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    staff = make_staff("partner")
    client.get("/staff/login")
    before = cookie_value(client)
    assert before is not None and "staff" not in session_data(app, before)
    # Someone who copied the cookie before the login (a shared computer, a planted cookie).
    watcher = staff_browser(app)
    watcher.set_cookie(COOKIE, before)
    login_as(client, staff)
    after = cookie_value(client)
    assert after is not None and after != before
    assert "staff" in session_data(app, after)
    assert is_logged_in(client)
    assert not is_logged_in(watcher)


def test_logging_in_again_ends_the_session_the_browser_held(
    app: Flask,
    client: FlaskClient,
    make_staff: MakeStaff,
    login_as: LoginAs,
    clock: Clock,
) -> None:
    staff = make_staff("partner")
    login_as(client, staff)
    first = cookie_value(client)
    assert first is not None
    clock.advance(seconds=31)  # a new one-time code
    login_as(client, staff)
    # A copy of the first cookie (a shared computer) opens nothing any more.
    copy = staff_browser(app)
    copy.set_cookie(COOKIE, first)
    assert not is_logged_in(copy)
    assert is_logged_in(client)
    with app.app_context():
        ended = db.session().scalars(select(StaffSession.ended_at)).all()
        assert sum(when is not None for when in ended) == 1 and len(ended) == 2


def test_a_planted_session_token_never_becomes_authenticated(
    app: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    staff = make_staff("partner")
    planted = signed_session(app, {"staff": "token-chosen-by-someone-else"})
    victim = staff_browser(app)
    victim.set_cookie(COOKIE, planted)
    assert not is_logged_in(victim)
    login_as(victim, staff)
    assert session_data(app, cookie_value(victim))["staff"] != "token-chosen-by-someone-else"
    attacker = staff_browser(app)
    attacker.set_cookie(COOKIE, planted)
    assert not is_logged_in(attacker)


def test_idle_timeout(
    app: Flask,
    client: FlaskClient,
    sign_in: SignIn,
    clock: Clock,
) -> None:
    idle = app.config["STAFF_IDLE_MINUTES"]
    sign_in("partner")
    clock.advance(minutes=idle - 1)
    assert is_logged_in(client)
    # Activity keeps the session alive.
    clock.advance(minutes=idle - 1)
    assert is_logged_in(client)
    clock.advance(minutes=idle, seconds=1)
    assert not is_logged_in(client)
    # Ended for good: coming back sooner does not revive it.
    clock.advance(minutes=-idle)
    assert not is_logged_in(client)
    with app.app_context():
        [record] = db.session().scalars(select(StaffSession)).all()
        assert record.ended_at is not None


def test_absolute_timeout_even_while_active(
    app: Flask,
    client: FlaskClient,
    sign_in: SignIn,
    clock: Clock,
) -> None:
    absolute = app.config["STAFF_ABSOLUTE_HOURS"] * 60
    step = app.config["STAFF_IDLE_MINUTES"] - 1
    sign_in("partner")
    elapsed = 0
    while elapsed + step < absolute:
        clock.advance(minutes=step)
        elapsed += step
        assert is_logged_in(client), f"logged out after {elapsed} minutes of activity"
    clock.advance(minutes=absolute - elapsed + 1)
    assert not is_logged_in(client)


def test_logging_out_ends_every_session_of_that_person(
    app: Flask,
    make_staff: MakeStaff,
    login_as: LoginAs,
    clock: Clock,
) -> None:
    staff = make_staff("intervenant")
    office, phone = staff_browser(app), staff_browser(app)
    login_as(office, staff)
    clock.advance(seconds=30)
    login_as(phone, staff)
    someone_else = staff_browser(app)
    login_as(someone_else, make_staff("intervenant"))
    assert is_logged_in(office) and is_logged_in(phone)
    response = log_out(office)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff/login")
    assert not is_logged_in(office)
    assert not is_logged_in(phone)
    assert is_logged_in(someone_else)


@pytest.fixture
def admin_client(app: Flask, make_staff: MakeStaff, login_as: LoginAs) -> FlaskClient:
    client = staff_browser(app)
    login_as(client, make_staff("admin"))
    return client


def press_button(client: FlaskClient, page: str, action: str) -> Any:
    """Press one of the buttons of a page, which carry only the CSRF token."""
    return client.post(f"{page}/{action}", data={"csrf_token": csrf_token(client, page)})


@pytest.mark.parametrize(("action", "status"), [("deactivate", 303), ("reset", 200)])
def test_the_coordinator_ends_a_live_session(
    action: str,
    status: int,
    app: Flask,
    admin_client: FlaskClient,
    make_staff: MakeStaff,
    login_as: LoginAs,
    clock: Clock,
) -> None:
    staff = make_staff("intervenant")
    worker = staff_browser(app)
    login_as(worker, staff)
    assert is_logged_in(worker)
    assert press_button(admin_client, f"/staff/users/{staff.id}", action).status_code == status
    assert not is_logged_in(worker)
    # Nor can the old password and device open a new session.
    clock.advance(seconds=30)
    assert post_login(worker, staff.username, staff.password, staff.code()).status_code == 400
    assert not is_logged_in(worker)


def session_cookie_header(response: TestResponse, name: str = COOKIE) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return header


@pytest.mark.parametrize("https", [False, True])
def test_session_cookie_is_strict(
    https: bool,
    make_app: MakeApp,
    make_staff: MakeStaff,
) -> None:
    app = make_app(HTTPS=https)
    base = "https://localhost" if https else "http://localhost"
    client = staff_browser(app)
    staff = make_staff("partner")
    name = "__Host-staff" if https else COOKIE
    client.get("/staff/login", base_url=base)
    cookie = client.get_cookie(name)
    assert cookie is not None
    token = csrf_token(client, base + "/staff/login")
    data = {"username": staff.username, "password": staff.password, "code": staff.code()}
    # No Referer header, like a browser told "Referrer-Policy: no-referrer" by our pages.
    login = client.post(base + "/staff/login", data={**data, "csrf_token": token})
    assert login.status_code == 303, "a form sent over HTTPS without a Referer was refused"
    header = session_cookie_header(login, name)
    assert "path=/;" in header.lower() + ";" and "domain=" not in header.lower()
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=strict" in header.lower()
    assert ("secure" in attributes) is https
    # Ends with the browser: never written to disk as a lasting cookie.
    assert "expires" not in attributes and "max-age" not in attributes


def test_the_public_cookie_opens_nothing_in_the_back_office(
    app: Flask, client: FlaskClient, sign_in: SignIn
) -> None:
    sign_in("admin")
    staff_cookie = cookie_value(client)
    assert staff_cookie is not None
    csrf_token(client, "/fr/")
    public = client.get_cookie("s")
    assert public is not None and public.value != staff_cookie
    assert "staff" not in serializer(app, "public").loads(public.value)
    # A public cookie signed the same way, renamed into the back office's, does not verify.
    forged = serializer(app, "public").dumps({"staff": "x"})
    other = staff_browser(app)
    other.set_cookie(COOKIE, forged)
    other.get("/staff/login")
    assert cookie_value(other) != forged


def test_back_office_pages_are_not_stored_nor_indexed(
    app: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    anonymous = staff_browser(app)
    partner = staff_browser(app)
    login_as(partner, make_staff("partner"))
    answers = [
        anonymous.get("/staff/login"),
        anonymous.get("/staff/"),
        anonymous.get("/staff/invitation/not-a-token"),
        partner.get("/staff/"),
        partner.get("/staff/users"),
    ]
    assert [a.status_code for a in answers] == [200, 302, 404, 200, 403]
    for answer in answers:
        assert "no-store" in answer.headers["Cache-Control"]
        assert "noindex" in answer.headers["X-Robots-Tag"]
