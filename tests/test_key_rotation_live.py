"""`rotate-keys` while gunicorn serves: every request page still opens, and requests sent before,
during and after the rotation are readable once every process has restarted. Real processes on
loopback, keys in the instance's key file, bounded in time."""

from __future__ import annotations

import html
import http.cookiejar
import json
import os
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from helpers.production import CSRF_RE, ROOT, FormVisitor, Gunicorn, confirmed, scratch_postgres
from helpers.settings import PRODUCTION_SETTINGS, TEST_DATABASE_URL, production_env
from helpers.staff import staff_password_hash
from sqlalchemy import create_engine, select

from portal import create_app
from portal.cli.demo_data import create_demo_stations
from portal.core import crypto, db
from portal.core.config import KEYS_FILE
from portal.core.schema import upgrade_database
from portal.models import CallbackRequest
from portal.staff import accounts

PASSWORD = "une phrase calme pour le bureau"
NAMES = {"before": "Avant", "during": "Pendant", "after": "Après"}
PHONES = {"before": "0611111111", "during": "0622222222", "after": "0633333333"}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"):
        with scratch_postgres(TEST_DATABASE_URL, prefix="portal_keys_") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'portal.sqlite3'}"


def server_env(database: str, instance: Path) -> dict[str, str]:
    """Keys from the instance's key file only: nothing in the environment names a key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return {
        **env,
        "PORTAL_INSTANCE_PATH": str(instance),
        "PORTAL_DATABASE_URL": database,
        "PORTAL_MIN_FILL_SECONDS": "0",
        "PORTAL_SUBMIT_LIMITS": "1000 per minute",
        "PORTAL_PAGE_CACHE_SECONDS": "0",
        # This run tests keys, not limits: its workers may count apart.
        "PORTAL_ALLOW_PER_PROCESS_LIMITS": "true",
        **production_env(),
    }


def prepare(database: str, instance: Path, env: dict[str, str]) -> str:
    """Schema, stations and an enrolled coordinator; returns her TOTP secret."""
    old = os.environ.get("PORTAL_INSTANCE_PATH")
    os.environ["PORTAL_INSTANCE_PATH"] = str(instance)
    try:
        app = create_app({"DATABASE_URL": database, **PRODUCTION_SETTINGS})
    finally:
        if old is None:
            del os.environ["PORTAL_INSTANCE_PATH"]
        else:
            os.environ["PORTAL_INSTANCE_PATH"] = old
    secret = pyotp.random_base32()
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        user = accounts.create_user("coordination", "admin", [])
        user.password_hash = staff_password_hash()
        user.totp_secret_enc = crypto.encrypt(secret)
        db.session().commit()
        db.engine().dispose()
    return secret


class StaffBrowser:
    """A logged-in browser: cookies kept, redirects followed."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, port: int, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, port: int, secret: str) -> None:
        _status, page = self.get(port, "/staff/login")
        found = CSRF_RE.search(page)
        assert found
        form = {
            "csrf_token": found.group(1),
            "username": "coordination",
            "password": PASSWORD,
            "code": pyotp.TOTP(secret).now(),
        }
        body = urllib.parse.urlencode(form).encode()
        url = f"http://127.0.0.1:{port}/staff/login"
        with self.opener.open(url, data=body, timeout=30) as answer:
            assert answer.status == 200 and "/staff/login" not in answer.url


def send(port: int, moment: str) -> None:
    visitor = FormVisitor(port)
    assert visitor.load().status == 200
    answer = visitor.send(PHONES[moment], name=NAMES[moment])
    assert confirmed(answer), (answer.status, answer.body[:300])


def request_ids(database: str) -> dict[str, int]:
    engine = create_engine(database)
    with engine.connect() as conn:
        ids = list(conn.scalars(select(CallbackRequest.id).order_by(CallbackRequest.id)))
    engine.dispose()
    return dict(zip(NAMES, ids, strict=True))


def assert_pages_open(browser: StaffBrowser, port: int, ids: dict[str, int]) -> None:
    """Each page several times, so that every worker serves each one."""
    for moment, ident in ids.items():
        for _ in range(4):
            status, page = browser.get(port, f"/staff/requests/{ident}")
            assert status == 200, (moment, status)
            assert NAMES[moment] in html.unescape(page)


def test_rotation_while_the_server_runs_loses_nothing(database: str, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    env = server_env(database, instance)
    secret = prepare(database, instance, env)
    [old_key] = json.loads((instance / KEYS_FILE).read_text())["DATA_KEYS"]
    browser = StaffBrowser()
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
        send(server.port, "before")
        browser.log_in(server.port, secret)
        rotation = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "flask", "--app", "portal", "rotate-keys"],
            cwd=ROOT,
            env={**env, "PORTAL_KEY_PICKUP_SECONDS": "2"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        # While the rotation waits for the processes to take the new key, a request arrives.
        threading.Event().wait(1.0)
        send(server.port, "during")
        output, _ = rotation.communicate(timeout=60)
        assert rotation.returncode == 0, output.decode()
        send(server.port, "after")
        ids = request_ids(database)
        assert_pages_open(browser, server.port, ids)
    [new_key] = json.loads((instance / KEYS_FILE).read_text())["DATA_KEYS"]
    assert new_key != old_key, "the old key is retired"
    assert " 500 " not in server.log()
    with Gunicorn(env, tmp_path / "gunicorn-restarted.log", workers=2) as restarted:
        assert_pages_open(browser, restarted.port, ids)
