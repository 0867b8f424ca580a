"""When the database refuses to store a request, the person is told plainly that it was NOT saved,
in her language and with the emergency numbers; never a confirmation. The failures are real."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import MakeApp, Submit
from helpers.settings import app_config
from helpers.web import VALID_FORM, csrf_token, found_in
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from portal import create_app
from portal.core import db
from portal.models import CallbackRequest

CODE_RE = re.compile(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>')
ROLE = "portal_pubtests_readonly"


def on_postgres(url: str) -> bool:
    return url.startswith("postgresql")


@contextmanager
def read_only_url(database_url: str) -> Iterator[str]:
    """The same database, opened so that it can be read but never written."""
    if not on_postgres(database_url):
        path = make_url(database_url).database
        yield f"sqlite:///file:{path}?mode=ro&uri=true"
        return
    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
        conn.execute(text(f"CREATE ROLE {ROLE} LOGIN"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {ROLE}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ROLE}"))
    try:
        yield make_url(database_url).set(username=ROLE).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {ROLE}"))
            conn.execute(text(f"DROP ROLE {ROLE}"))
        admin.dispose()


TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER refuse_writes_{table} BEFORE {event} ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'writes refused'); END"
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION refuse_writes() RETURNS trigger AS "
        "$$ BEGIN RAISE EXCEPTION 'writes refused'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_writes_{table} BEFORE {event} ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION refuse_writes()",
    ],
}


@contextmanager
def refusing_trigger(database_url: str) -> Iterator[None]:
    """A trigger that aborts every new callback request."""
    kind = "postgresql" if on_postgres(database_url) else "sqlite"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for statement in TRIGGERS[kind]:
            conn.execute(text(statement.format(table="callback_request", event="INSERT")))
    try:
        yield
    finally:
        with engine.begin() as conn:
            on_table = " ON callback_request" if kind == "postgresql" else ""
            conn.execute(text(f"DROP TRIGGER IF EXISTS refuse_writes_callback_request{on_table}"))
        engine.dispose()


@pytest.fixture
def failing_app(
    app: Flask, migrated_database: str, request: pytest.FixtureRequest
) -> Iterator[Flask]:
    """An app whose database answers reads but refuses to store requests."""
    how = request.param
    if how == "read-only":
        with read_only_url(migrated_database) as url:
            broken = create_app(app_config(url))
            yield broken
            with broken.app_context():
                db.engine().dispose()
    else:
        with refusing_trigger(migrated_database):
            yield app


def count(app: Flask) -> int:
    with app.app_context():
        return db.session().query(CallbackRequest).count()


def assert_not_saved(response: TestResponse, lang: str) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Location" not in response.headers
    assert f'<html lang="{lang}"' in body
    assert "not saved" in body or lang != "en"
    assert not CODE_RE.search(body)
    for href in ("tel:17", "tel:112", "sms:114", "tel:3919"):
        assert f'href="{href}"' in body
    assert "Traceback" not in body
    return body


@pytest.mark.parametrize("failing_app", ["read-only", "trigger"], indirect=True)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_request_that_cannot_be_stored_is_never_confirmed(
    app: Flask, failing_app: Flask, lang: str
) -> None:
    client = failing_app.test_client()
    path = f"/{lang}/"
    response = client.post(path, data={**VALID_FORM, "csrf_token": csrf_token(client, path)})
    assert_not_saved(response, lang)
    assert count(app) == 0
    after = client.get(f"/{lang}/sent").get_data(as_text=True)
    assert not CODE_RE.search(after)


@pytest.mark.parametrize("failing_app", ["read-only"], indirect=True)
def test_urgent_request_that_cannot_be_stored_shows_the_numbers(
    app: Flask, failing_app: Flask
) -> None:
    client = failing_app.test_client()
    data = {**VALID_FORM, "danger": "yes", "csrf_token": csrf_token(client, "/en/")}
    body = assert_not_saved(client.post("/en/", data=data), "en")
    assert body.find('href="tel:17"') != -1
    assert count(app) == 0


@contextmanager
def opened_read_only(
    submit: Submit, client: FlaskClient, database: str
) -> Iterator[tuple[FlaskClient, str]]:
    """Her request, opened with its code on an app whose database turned read-only meanwhile:
    that app's browser and the form's token."""
    code = found_in(CODE_RE, client.get(submit().headers["Location"]).get_data(as_text=True))
    with read_only_url(database) as url:
        broken = create_app(app_config(url))
        other = broken.test_client()
        token = csrf_token(other, "/en/cancel")
        opened = other.post(
            "/en/cancel", data={"code": code, "csrf_token": token}, follow_redirects=True
        )
        assert opened.status_code == 200  # reading still works
        try:
            yield other, token
        finally:
            with broken.app_context():
                db.engine().dispose()


def test_a_failed_cancel_does_not_say_the_call_is_off(
    app: Flask, submit: Submit, client: FlaskClient, migrated_database: str
) -> None:
    with opened_read_only(submit, client, migrated_database) as (other, token):
        response = other.post("/en/cancel", data={"step": "cancel", "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "not cancelled" in body
    assert "We will not call you" not in body
    assert 'href="tel:17"' in body
    with app.app_context():
        [stored] = db.session().query(CallbackRequest).all()
        assert stored.status == "new"
        assert stored.phone_enc is not None


def test_a_failed_change_of_times_says_nothing_was_saved(
    app: Flask, submit: Submit, client: FlaskClient, migrated_database: str
) -> None:
    with opened_read_only(submit, client, migrated_database) as (other, token):
        data = {"step": "change", "windows": ["08:00-10:00"], "csrf_token": token}
        response = other.post("/en/cancel", data=data)
    assert response.status_code == 503
    assert "Nothing was saved" in response.get_data(as_text=True)
    with app.app_context():
        [stored] = db.session().query(CallbackRequest).all()
        assert stored.safe_windows != ["08:00-10:00"]


def test_database_that_cannot_be_opened_gets_a_503_page(
    tmp_path: Path, migrated_database: str
) -> None:
    if on_postgres(migrated_database):
        url = make_url(migrated_database).set(port=1).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///file:{tmp_path / 'missing.sqlite3'}?mode=ro&uri=true"
    broken = create_app(app_config(url))
    response = broken.test_client().get("/fr/")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert 'href="tel:17"' in body and "Traceback" not in body
    with broken.app_context():
        db.engine().dispose()


def test_pages_without_database_still_work(tmp_path: Path) -> None:
    url = f"sqlite:///file:{tmp_path / 'missing.sqlite3'}?mode=ro&uri=true"
    client = create_app(app_config(url)).test_client()
    for path in ("/fr/help", "/en/privacy", "/ar/directory", "/fr/cancel", "/fr/sent"):
        assert client.get(path).status_code == 200, path


def test_a_broken_encryption_key_never_confirms(make_app: MakeApp, app: Flask) -> None:
    broken = make_app(DATA_KEYS=["not a key"])
    client = broken.test_client()
    data = {**VALID_FORM, "csrf_token": csrf_token(client, "/en/")}
    response = client.post("/en/", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code >= 500
    assert "Location" not in response.headers
    assert not CODE_RE.search(body)
    assert 'href="tel:17"' in body and "Traceback" not in body
    assert count(app) == 0
