"""Locks that cannot be turned against staff: a stranger's wrong passwords lock her name for
unknown browsers only; the browser she signed in from before still lets her in; a coordinator,
or the command line for the last one, lifts a lock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from helpers.staff import Clock, StaffAccount, log_out, post_login, staff_browser
from helpers.web import csrf_token
from sqlalchemy import select

from portal.core import db
from portal.models import AuditEvent, StaffDevice, StaffUser

TOO_MANY = "Too many attempts"
LOCK_AFTER = 5


def from_address(app: Flask, address: str) -> FlaskClient:
    client = staff_browser(app)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def guess_wrong(app: Flask, staff: StaffAccount, times: int = LOCK_AFTER) -> FlaskClient:
    """Someone elsewhere types wrong passwords under her name."""
    stranger = from_address(app, "203.0.113.66")
    for _ in range(times):
        response = post_login(stranger, staff.username, "a wrong guess entirely", staff.code())
        assert response.status_code == 400
    return stranger


def her_own_browser(app: Flask, staff: StaffAccount, clock: Clock) -> FlaskClient:
    """The browser she works in: it signed in once, then she logged out."""
    browser = from_address(app, "198.51.100.7")
    assert post_login(browser, staff.username, staff.password, staff.code()).status_code == 303
    log_out(browser)
    clock.advance(seconds=31)  # the next sign-in needs a fresh code
    return browser


def test_a_stranger_locks_her_name_for_strangers_only(
    app: Flask, make_staff: Callable[..., StaffAccount], clock: Clock
) -> None:
    staff = make_staff("intervenant")
    browser = her_own_browser(app, staff, clock)
    stranger = guess_wrong(app, staff)
    # The stranger, and any browser that never signed in as her, are now refused, right
    # password or not.
    refused = post_login(stranger, staff.username, staff.password, staff.code())
    assert refused.status_code == 429 and TOO_MANY in refused.get_data(as_text=True)
    unknown = from_address(app, "198.51.100.7")
    assert post_login(unknown, staff.username, staff.password, staff.code()).status_code == 429
    # Her own browser still signs her in.
    clock.advance(seconds=31)
    response = post_login(browser, staff.username, staff.password, staff.code())
    assert response.status_code == 303
    assert browser.get("/staff/").status_code == 200
    with app.app_context():
        details = [
            e.details.get("browser")
            for e in db.session().scalars(select(AuditEvent).filter_by(action="login.success"))
        ]
    assert details == ["unknown", "known"]


def test_her_browser_fails_on_its_own_count(
    app: Flask, make_staff: Callable[..., StaffAccount], clock: Clock
) -> None:
    staff = make_staff("intervenant")
    browser = her_own_browser(app, staff, clock)
    for _ in range(LOCK_AFTER):
        assert post_login(browser, staff.username, "not it at all", staff.code()).status_code == 400
    assert post_login(browser, staff.username, staff.password, staff.code()).status_code == 429
    # The account itself is not locked: another browser is unaffected.
    other = from_address(app, "198.51.100.8")
    assert post_login(other, staff.username, staff.password, staff.code()).status_code == 303


def test_a_forged_device_cookie_counts_for_nothing(
    app: Flask, make_staff: Callable[..., StaffAccount]
) -> None:
    staff = make_staff("intervenant")
    guess_wrong(app, staff)
    forger = from_address(app, "198.51.100.9")
    forger.set_cookie("staff_device", "made-up.value", path="/staff")
    assert post_login(forger, staff.username, staff.password, staff.code()).status_code == 429


def test_the_device_cookie_stays_on_the_staff_side(
    app: Flask, make_staff: Callable[..., StaffAccount]
) -> None:
    staff = make_staff("intervenant")
    browser = staff_browser(app)
    response = post_login(browser, staff.username, staff.password, staff.code())
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("staff_device=")]
    assert "Path=/staff" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    public = browser.get("/fr/")
    assert not any("staff_device" in c for c in public.headers.getlist("Set-Cookie"))
    with app.app_context():
        [device] = db.session().scalars(select(StaffDevice)).all()
        assert device.staff_id == staff.id
        # The cookie carries a random token; only its hash is kept.
        assert device.token_hash not in cookie


def test_a_coordinator_unlocks_an_account(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    staff = make_staff("intervenant")
    admin = make_staff("admin")
    guess_wrong(app, staff)
    coordinator = staff_browser(app)
    login_as(coordinator, admin)
    page = coordinator.get(f"/staff/users/{staff.id}").get_data(as_text=True)
    assert "Unlock this account" in page
    token = csrf_token(coordinator, "/staff/login")
    assert (
        coordinator.post(f"/staff/users/{staff.id}/unlock", data={"csrf_token": token}).status_code
        == 303
    )
    fresh = from_address(app, "198.51.100.10")
    assert post_login(fresh, staff.username, staff.password, staff.code()).status_code == 303
    with app.app_context():
        actions = db.session().scalars(
            select(AuditEvent.action).filter_by(target=f"user:{staff.id}")
        )
        assert "user.unlock" in list(actions)


def test_the_last_coordinator_is_unlocked_from_the_command_line(
    app: Flask, make_staff: Callable[..., StaffAccount]
) -> None:
    admin = make_staff("admin", username="seule.coordinatrice")
    guess_wrong(app, admin)
    result = app.test_cli_runner().invoke(args=["unlock-user", "Seule.Coordinatrice"])
    assert result.exit_code == 0, result.output
    assert "unlocked" in result.output
    with app.app_context():
        user = db.session().get(StaffUser, admin.id)
        assert user is not None and user.locked_until is None and user.failed_logins == 0
    fresh = from_address(app, "198.51.100.11")
    assert post_login(fresh, admin.username, admin.password, admin.code()).status_code == 303
    missing = app.test_cli_runner().invoke(args=["unlock-user", "nobody.at.all"])
    assert missing.exit_code != 0


def test_the_login_page_gives_no_example_username(app: Flask) -> None:
    page = staff_browser(app).get("/staff/login").get_data(as_text=True)
    assert "e.g." not in page and "m.dumont" not in page and "placeholder" not in page
