"""Fixtures: an app on a real database (SQLite, or PostgreSQL when PORTAL_TEST_DATABASE_URL is
set), its client and CLI runner, and factories for stations and submitted requests."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.orm import joinedload

from portal import accounts, auth, create_app, crypto, db
from portal.config import new_keys
from portal.db import Base
from portal.demo import create_demo_stations
from portal.extensions import limiter
from portal.models import CallbackRequest, Station
from portal.schema import upgrade_database

TEST_DATABASE_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")
IN_CI = os.environ.get("CI") == "true"


def needs_postgres() -> pytest.MarkDecorator:
    """Skip without PostgreSQL, except in CI where these tests are required."""
    on_pg = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"))
    return pytest.mark.skipif(
        not on_pg and not IN_CI,
        reason="set PORTAL_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/portal_test",
    )


def needs_redis() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not TEST_REDIS_URL and not IN_CI,
        reason="set PORTAL_TEST_REDIS_URL=redis://127.0.0.1:6379/15",
    )


KEYS = new_keys()


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """The configuration every test app starts from."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "MIN_FILL_SECONDS": 0,
        # In-process tests have no other process to wait for (a real-process test waits).
        "KEY_PICKUP_SECONDS": 0,
        "RATELIMIT_STORAGE_URI": TEST_REDIS_URL or "memory://",
        "PUBLIC_BASE_URL": "https://portal.example",
        **KEYS,
        **overrides,
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"


def reset_schema(url: str) -> None:
    """An empty database at the latest migration."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(app_config(url))
    with app.app_context():
        upgrade_database()
        db.engine().dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> str:
    reset_schema(database_url)
    return database_url


def empty_tables(app: Flask) -> None:
    with app.app_context(), db.engine().begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def make_app(migrated_database: str) -> Iterator[Callable[..., Flask]]:
    """Build apps with configuration overrides; their tables are emptied afterwards."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(app_config(migrated_database, **overrides))
        apps.append(app)
        with app.app_context():
            limiter.reset()
        return app

    yield build
    for app in apps:
        empty_tables(app)
        with app.app_context():
            limiter.reset()
            db.engine().dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """Load a page as a browser would and take its CSRF token."""
    page = client.get(path)
    found = CSRF_RE.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


VALID_FORM: dict[str, Any] = {
    "phone": "06 12 34 56 78",
    "name": "Sam",
    "windows": ["10:00-12:00", "14:00-17:00"],
    "call_language": "fr",
    "danger": "no",
    "message": "Après 14 h c'est mieux.",
    "consent": "y",
    "station": "st-etienne",
}


@pytest.fixture
def submit(client: FlaskClient) -> Callable[..., Any]:
    """Send the request form like a person: load the page, fill it in, send it."""

    def send(path: str = "/fr/", follow: bool = False, **fields: Any) -> Any:
        data = {**VALID_FORM, **fields}
        data = {k: v for k, v in data.items() if v is not None}
        data.setdefault("csrf_token", csrf_token(client, path))
        return client.post(path, data=data, follow_redirects=follow)

    return send


@pytest.fixture
def stored_requests(app: Flask) -> Callable[[], list[CallbackRequest]]:
    def fetch() -> list[CallbackRequest]:
        with app.app_context():
            query = db.session().query(CallbackRequest).options(joinedload(CallbackRequest.station))
            return list(query.order_by(CallbackRequest.id))

    return fetch


@pytest.fixture
def station(app: Flask) -> Callable[[str], Station]:
    def find(code: str) -> Station:
        with app.app_context():
            return db.session().query(Station).filter_by(code=code).one()

    return find


# --- Staff accounts: factories that make enrolled users, and a real login through the form. ---

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


@pytest.fixture
def make_staff(app: Flask) -> Callable[..., StaffAccount]:
    """Create staff accounts, enrolled (password and TOTP device set) unless told otherwise."""
    numbers = itertools.count(1)

    def make(
        role: str = "admin",
        stations: list[str] | None = None,
        username: str | None = None,
        enrolled: bool = True,
    ) -> StaffAccount:
        name = username or f"{role}-{next(numbers)}"
        secret = auth.new_totp_secret()
        with app.app_context():
            user = accounts.create_user(name, role, stations or STAFF_STATIONS.get(role, []))
            if enrolled:
                user.password_hash = staff_password_hash()
                user.totp_secret_enc = crypto.encrypt(secret)
            db.session().commit()
            return StaffAccount(user.id, user.username, role, STAFF_PASSWORD, secret)

    return make


def post_login(client: FlaskClient, username: str, password: str, code: str) -> Any:
    """Fill in and send the login form."""
    token = csrf_token(client, "/staff/login")
    data = {"username": username, "password": password, "code": code, "csrf_token": token}
    return client.post("/staff/login", data=data)


@pytest.fixture
def login_as() -> Callable[[FlaskClient, StaffAccount], Any]:
    """Log in through the form with a fresh code; a code works once per 30-second step."""

    def login(client: FlaskClient, staff: StaffAccount) -> Any:
        response = post_login(client, staff.username, staff.password, staff.code())
        assert response.status_code == 303, (
            f"login as {staff.username} refused ({response.status_code}); a second login "
            "in the same 30-second step needs the clock moved (the `clock` fixture)"
        )
        return response

    return login


class Clock:
    """The tests' clock, ticking from the real time; `advance` moves it forward."""

    def __init__(self, machine: Any) -> None:
        self.machine = machine

    def advance(self, **delta: float) -> None:
        self.machine.shift(dt.timedelta(**delta))


@pytest.fixture
def clock(time_machine: Any) -> Clock:
    time_machine.move_to(dt.datetime.now(dt.UTC), tick=True)
    return Clock(time_machine)


def log_out(client: FlaskClient) -> Any:
    """Press "Log out" (the form's token is the session's, as on any other page)."""
    return client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/login")})


def staff_browser(app: Flask) -> FlaskClient:
    """A browser asking for the back office in English, the language of the source strings."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
