"""Logging in: one answer for every kind of failure, one use per code, lockout and rate limits."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import stored_row
from helpers.fixture_types import MakeApp, MakeStaff
from helpers.staff import Clock, StaffAccount, log_out, post_login, staff_browser
from helpers.web import CSRF_RE, csrf_token
from sqlalchemy import func, select

from portal.core import db
from portal.models import LoginThrottle, Role, StaffUser

FAILED = "The username, password or code is not right."
TOO_MANY = "Too many attempts"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return staff_browser(app)


def wrong_code(staff: StaffAccount) -> str:
    return "000000" if staff.code() != "000000" else "111111"


def test_every_failure_gets_the_same_answer(
    app: Flask, client: FlaskClient, make_staff: MakeStaff
) -> None:
    staff = make_staff("intervenant")
    gone = make_staff("intervenant")
    with app.app_context():
        user = stored_row(StaffUser, gone.id)
        user.active = False
        db.session().commit()
    attempts = {
        "unknown user": ("nobody.here", staff.password, staff.code()),
        "wrong password": (staff.username, "not the password at all", staff.code()),
        "wrong code": (staff.username, staff.password, wrong_code(staff)),
        "deactivated": (gone.username, gone.password, gone.code()),
    }
    pages = {}
    for name, (username, password, code) in attempts.items():
        response = post_login(client, username, password, code)
        assert response.status_code == 400, name
        pages[name] = response.get_data(as_text=True)
        assert FAILED in pages[name], name
    # The whole page is the same but for its CSRF token (signed with the time): nothing, not even
    # the username typed, tells the cases apart.
    assert len({CSRF_RE.sub("", page) for page in pages.values()}) == 1
    assert client.get("/staff/").status_code == 302


def timed_login(client: FlaskClient, username: str, password: str, code: str) -> float:
    started = time.perf_counter()
    response = post_login(client, username, password, code)
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    return elapsed


def test_an_unknown_user_takes_as_long_as_a_known_one(
    client: FlaskClient, make_staff: MakeStaff
) -> None:
    staff = make_staff("admin")
    unknown = min(timed_login(client, "nobody.here", "some password", "123456") for _ in range(3))
    known = min(timed_login(client, staff.username, "some password", "123456") for _ in range(3))
    # Both verify an Argon2id hash (the unknown user a dummy one), which takes tens of
    # milliseconds; without it the unknown user would be answered several times faster.
    assert unknown > 0.02 and known > 0.02
    assert unknown > known / 2, (unknown, known)


def test_a_code_is_accepted_only_once(
    client: FlaskClient, make_staff: MakeStaff, clock: Clock
) -> None:
    staff = make_staff("intervenant")
    code = staff.code()
    assert post_login(client, staff.username, staff.password, code).status_code == 303
    assert log_out(client).status_code == 303
    assert client.get("/staff/").status_code == 302
    clock.advance(seconds=5)
    again = post_login(client, staff.username, staff.password, code)
    assert again.status_code == 400
    assert FAILED in again.get_data(as_text=True)
    clock.advance(seconds=30)
    assert post_login(client, staff.username, staff.password, staff.code()).status_code == 303


def test_a_code_cannot_be_used_twice_at_the_same_moment(app: Flask, make_staff: MakeStaff) -> None:
    # Someone who saw the code races the person typing it: only one of the two gets in.
    staff = make_staff("intervenant")
    code = staff.code()
    browsers = [staff_browser(app) for _ in range(2)]
    forms = [
        {
            "username": staff.username,
            "password": staff.password,
            "code": code,
            "csrf_token": csrf_token(browser, "/staff/login"),
        }
        for browser in browsers
    ]
    start = threading.Barrier(len(browsers))
    answers: list[int] = []

    def send(browser: FlaskClient, form: dict[str, str]) -> None:
        start.wait()
        answers.append(browser.post("/staff/login", data=form).status_code)

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(browsers, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers) == [303, 400]


def test_lockout_after_repeated_failures_and_its_end(
    app: Flask, client: FlaskClient, make_staff: MakeStaff, clock: Clock
) -> None:
    staff = make_staff("intervenant")
    lock_after = app.config["LOGIN_LOCK_AFTER"]
    for _ in range(lock_after):
        response = post_login(client, staff.username, "a wrong password", staff.code())
        assert response.status_code == 400
    last = post_login(client, staff.username, "a wrong password", staff.code())
    assert last.status_code == 429
    assert TOO_MANY in last.get_data(as_text=True)
    # Locked: the right password and a fresh code do not open it.
    clock.advance(seconds=31)
    right = post_login(client, staff.username, staff.password, staff.code())
    assert right.status_code == 429
    assert TOO_MANY in right.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
    clock.advance(minutes=app.config["LOGIN_LOCK_MINUTES"] - 1)
    assert post_login(client, staff.username, staff.password, staff.code()).status_code == 429
    clock.advance(minutes=1, seconds=1)
    assert post_login(client, staff.username, staff.password, staff.code()).status_code == 303
    assert client.get("/staff/").status_code == 200


def from_address(client: FlaskClient, address: str) -> FlaskClient:
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_calm_429(response: Any) -> None:
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert TOO_MANY in page and "<h1>" in page
    assert "Traceback" not in page


def test_an_unknown_username_locks_like_an_account_from_any_address(
    make_app: MakeApp, app: Flask, clock: Clock
) -> None:
    limited = make_app(LOGIN_LOCK_AFTER=3)
    for n in range(3):
        client = from_address(staff_browser(limited), f"192.0.2.{n + 1}")
        assert post_login(client, "target.name", "guess", "123456").status_code == 400
    fourth = from_address(staff_browser(limited), "192.0.2.9")
    assert_calm_429(post_login(fourth, "Target.Name ", "guess", "123456"))
    # Another username from the same address is not held back by this lock.
    assert post_login(fourth, "other.name", "guess", "123456").status_code == 400
    clock.advance(minutes=limited.config["LOGIN_LOCK_MINUTES"], seconds=1)
    assert post_login(fourth, "target.name", "guess", "123456").status_code == 400


def test_the_purge_forgets_old_counts_of_unknown_names(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    post_login(client, "somebody", "guess", "123456")
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(LoginThrottle)) == 1
    clock.advance(days=2)
    assert flask_command(app, "purge").exit_code == 0
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(LoginThrottle)) == 0


def test_per_address_limit(make_app: MakeApp, app: Flask) -> None:
    limited = make_app(LOGIN_LIMITS="3 per minute")
    client = from_address(staff_browser(limited), "192.0.2.1")
    for n in range(3):
        assert post_login(client, f"name-{n}", "guess", "123456").status_code == 400
    assert_calm_429(post_login(client, "name-9", "guess", "123456"))
    elsewhere = from_address(staff_browser(limited), "192.0.2.2")
    assert post_login(elsewhere, "name-9", "guess", "123456").status_code == 400


def test_successful_logins_do_not_count(
    make_app: MakeApp,
    make_staff: MakeStaff,
    clock: Clock,
) -> None:
    limited = make_app(LOGIN_LIMITS="2 per minute")
    staff = make_staff("intervenant")
    client = staff_browser(limited)
    assert post_login(client, staff.username, staff.password, staff.code()).status_code == 303
    clock.advance(seconds=31)
    assert post_login(client, staff.username, staff.password, staff.code()).status_code == 303
    # Within the same minute as the two logins: two failures are still allowed, not a third.
    for _ in range(2):
        assert post_login(client, staff.username, "wrong", "123456").status_code == 400
    assert_calm_429(post_login(client, staff.username, "wrong", "123456"))


DEMO_LINE_RE = re.compile(r"^\s+(\w+)\s+username (\S+)\s+password (\S+)$", re.M)


def flask_command(app: Flask, *args: str) -> Any:
    """`flask --app portal ARGS` (which runs inside the app's context)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def test_each_demo_account_logs_in_with_its_printed_code(app: Flask) -> None:
    force = [] if app.config["DATABASE_URL"].startswith("sqlite") else ["--force"]
    result = flask_command(app, "demo", *force)
    assert result.exit_code == 0, result.output
    accounts_shown = DEMO_LINE_RE.findall(result.output)
    assert {role for role, _, _ in accounts_shown} == {r.value for r in Role}
    for role, username, password in accounts_shown:
        printed = flask_command(app, "demo-code", username)
        assert printed.exit_code == 0
        code = printed.output.strip()
        assert re.fullmatch(r"\d{6}", code)
        client = staff_browser(app)
        response = post_login(client, username, password, code)
        assert response.status_code == 303, f"demo {role} {username} cannot log in"
        assert client.get("/staff/").status_code in (200, 302)
        assert client.get("/staff/", follow_redirects=True).status_code == 200


def test_demo_code_is_only_for_demo_accounts(app: Flask, make_staff: MakeStaff) -> None:
    real = make_staff("admin")
    for username in (real.username, "nobody.here"):
        result = flask_command(app, "demo-code", username)
        assert result.exit_code != 0
        assert "is not a demo account" in result.output
        assert not re.search(r"\b\d{6}\b", result.output)


def test_a_lock_looks_like_the_limit_on_an_unknown_username(
    app: Flask, make_staff: MakeStaff
) -> None:
    """Whether a username exists cannot be learnt by hammering it until something changes."""
    staff = make_staff("intervenant")
    pages = []
    for username in (staff.username, "nobody-by-that-name"):
        client = staff_browser(app)
        answers = [post_login(client, username, "a wrong password", "123456") for _ in range(6)]
        assert [a.status_code for a in answers[:5]] == [400] * 5
        assert answers[-1].status_code == 429
        pages.append(answers[-1].get_data(as_text=True))
    assert pages[0] == pages[1]
