"""Fixtures: an app on a real database (SQLite, or PostgreSQL when PORTAL_TEST_DATABASE_URL is
set), its client and CLI runner, and factories for stations and submitted requests."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from helpers.fixture_types import (
    FindStation,
    LoginAs,
    MakeApp,
    MakeStaff,
    SignIn,
    StoredRequests,
    Submit,
)
from helpers.mail import MailSink, mail_server
from helpers.settings import TEST_DATABASE_URL, app_config
from helpers.staff import (
    STAFF_PASSWORD,
    STAFF_STATIONS,
    Clock,
    StaffAccount,
    post_login,
    staff_browser,
    staff_password_hash,
)
from helpers.web import VALID_FORM, csrf_token
from sqlalchemy import create_engine, text
from sqlalchemy.orm import joinedload
from werkzeug.test import TestResponse

from portal import create_app
from portal.cli.demo_data import create_demo_stations
from portal.core import crypto, db
from portal.core.db import Base
from portal.core.extensions import limiter
from portal.core.schema import upgrade_database
from portal.directory.demo import create_demo_directory
from portal.models import CallbackRequest, Station, utcnow
from portal.staff import accounts, auth


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
def make_app(migrated_database: str) -> Iterator[MakeApp]:
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
def app(make_app: MakeApp) -> Flask:
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


@pytest.fixture
def submit(client: FlaskClient) -> Submit:
    """Send the request form like a person: load the page, fill it in, send it."""

    def send(path: str = "/fr/", follow: bool = False, **fields: Any) -> TestResponse:
        data = {**VALID_FORM, **fields}
        data = {k: v for k, v in data.items() if v is not None}
        data.setdefault("csrf_token", csrf_token(client, path))
        return client.post(path, data=data, follow_redirects=follow)

    return send


@pytest.fixture
def stored_requests(app: Flask) -> StoredRequests:
    def fetch() -> list[CallbackRequest]:
        with app.app_context():
            query = db.session().query(CallbackRequest).options(joinedload(CallbackRequest.station))
            return list(query.order_by(CallbackRequest.id))

    return fetch


@pytest.fixture
def station(app: Flask) -> FindStation:
    def find(code: str) -> Station:
        with app.app_context():
            return db.session().query(Station).filter_by(code=code).one()

    return find


# --- Staff accounts: factories that make enrolled users, and a real login through the form. ---


@pytest.fixture
def make_staff(app: Flask) -> MakeStaff:
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
                # An account in use: it has logged in once, so it covers its stations.
                user.last_login_at = utcnow()
            db.session().commit()
            return StaffAccount(user.id, user.username, role, STAFF_PASSWORD, secret)

    return make


@pytest.fixture
def login_as() -> LoginAs:
    """Log in through the form with a fresh code; a code works once per 30-second step."""

    def login(client: FlaskClient, staff: StaffAccount) -> TestResponse:
        response = post_login(client, staff.username, staff.password, staff.code())
        assert response.status_code == 303, (
            f"login as {staff.username} refused ({response.status_code}); a second login "
            "in the same 30-second step needs the clock moved (the `clock` fixture)"
        )
        return response

    return login


@pytest.fixture
def sign_in(client: FlaskClient, make_staff: MakeStaff, login_as: LoginAs) -> SignIn:
    """Log the test's browser in as a new account: `sign_in("intervenant", ["roanne"])`."""

    def sign(*args: Any, **options: Any) -> StaffAccount:
        account = make_staff(*args, **options)
        login_as(client, account)
        return account

    return sign


@pytest.fixture
def clock(time_machine: Any) -> Clock:
    time_machine.move_to(dt.datetime.now(dt.UTC), tick=True)
    return Clock(time_machine)


@pytest.fixture
def smtp() -> Iterator[MailSink]:
    """A real SMTP server on loopback that keeps what it receives, and its port."""
    with mail_server() as sink:
        yield sink


# --- The directory with its demonstration entries, and staff browsing it. ---


@pytest.fixture
def directory(app: Flask) -> Flask:
    with app.app_context():
        create_demo_directory()
        db.session().commit()
    return app


@pytest.fixture
def staff(
    directory: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> Callable[[str], FlaskClient]:
    """A logged-in back-office browser for a role, on the directory's app."""

    def browser(role: str) -> FlaskClient:
        client = staff_browser(directory)
        login_as(client, make_staff(role))
        return client

    return browser
