"""Passkeys in a real Chromium with its virtual authenticator: a coordinator without one is asked
to add one, adds it from her account page, and signs in with it alone, even after a stranger
locked her name with wrong passwords."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from helpers.staff import Clock, StaffAccount, post_login
from playwright.sync_api import Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.models import AuditEvent, StaffPasskey


@pytest.fixture
def localhost_site(make_app: Callable[..., Flask]) -> Iterator[tuple[Flask, str]]:
    """The portal as http://localhost:PORT: a passkey's relying party is a host name (an IP
    address cannot be one), and localhost counts as a secure context."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    origin = f"http://localhost:{sock.getsockname()[1]}"
    app = make_app(PUBLIC_BASE_URL=origin)
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, fd=sock.fileno())
    sock.close()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield app, origin
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def add_virtual_authenticator(page: Page) -> Any:
    """A platform authenticator that verifies the user (as a fingerprint or PIN would)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    return cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})


def password_login(page: Page, origin: str, staff: StaffAccount) -> None:
    page.goto(origin + "/staff/login")
    page.locator("#username").fill(staff.username)
    page.locator("#password").fill(staff.password)
    page.locator("#code").fill(staff.code())
    page.locator("main button[type=submit]").click()
    page.wait_for_url(origin + "/staff/")


def test_a_coordinator_adds_a_passkey_and_signs_in_with_it_despite_a_stranger(
    page: Page,
    localhost_site: tuple[Flask, str],
    make_staff: Callable[..., StaffAccount],
    clock: Clock,
) -> None:
    app, origin = localhost_site
    admin = make_staff("admin", username="coordinatrice")
    add_virtual_authenticator(page)
    password_login(page, origin, admin)
    # Without a key, every page asks her to add one.
    prompt = page.get_by_text("Your role needs a passkey or security key")
    expect(prompt).to_be_visible()
    prompt.click()
    page.wait_for_url(origin + "/staff/account")
    page.locator("#passkey-name").fill("Office laptop")
    page.get_by_role("button", name="Add a passkey or security key").click()
    expect(page.get_by_role("cell", name="Office laptop", exact=True)).to_be_visible()
    expect(page.get_by_text("Your role needs a passkey or security key")).to_have_count(0)
    with app.app_context():
        [key] = db.session().scalars(select(StaffPasskey)).all()
        assert key.staff_id == admin.id and key.name == "Office laptop"
    page.locator("form.logout button").click()
    page.wait_for_url(origin + "/staff/login")

    # A stranger, elsewhere, types five wrong passwords under her name.
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    for _ in range(5):
        assert post_login(stranger, admin.username, "wrong guess", admin.code()).status_code == 400
    assert post_login(stranger, admin.username, admin.password, admin.code()).status_code == 429

    # Her passkey alone signs her in: no username, no password, no lock.
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(origin + "/staff/")
    expect(page.locator("form.logout")).to_be_visible()
    page.locator("form.logout button").click()
    page.wait_for_url(origin + "/staff/login")
    # And her own browser still takes her password and a fresh code.
    clock.advance(seconds=31)
    password_login(page, origin, admin)
    with app.app_context():
        methods = [
            e.details.get("method")
            for e in db.session().scalars(select(AuditEvent).filter_by(action="login.success"))
        ]
    assert methods == ["password", "passkey", "password"]


def test_a_key_is_the_second_factor_after_a_password(
    page: Page,
    localhost_site: tuple[Flask, str],
    make_staff: Callable[..., StaffAccount],
) -> None:
    app, origin = localhost_site
    worker = make_staff("intervenant", username="intervenante")
    add_virtual_authenticator(page)
    password_login(page, origin, worker)
    page.goto(origin + "/staff/account")
    page.locator("#passkey-name").fill("Blue key")
    page.get_by_role("button", name="Add a passkey or security key").click()
    expect(page.get_by_role("cell", name="Blue key", exact=True)).to_be_visible()
    page.locator("form.logout button").click()
    page.wait_for_url(origin + "/staff/login")
    # Password, no code: the key is asked for next.
    page.locator("#username").fill(worker.username)
    page.locator("#password").fill(worker.password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(origin + "/staff/login/key")
    page.get_by_role("button", name="Use my key").click()
    page.wait_for_url(origin + "/staff/")
    expect(page.locator("form.logout")).to_be_visible()
