"""One commit per request: what a page did is saved once it answers, and a commit that fails
turns the answer into the page that says nothing was saved. The failures are real (a trigger)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request, stored_row
from helpers.fixture_types import SignIn
from helpers.staff import Clock
from helpers.web import csrf_token
from sqlalchemy import create_engine, select, text

from portal.core import db
from portal.models import AuditEvent, CallbackRequest, StaffSession, Station

PHONES = (f"+3367111{n:04d}" for n in itertools.count(1000))

REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'writes refused'); END"
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION refuse_writes() RETURNS trigger AS "
        "$$ BEGIN RAISE EXCEPTION 'writes refused'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION refuse_writes()",
    ],
}


@contextmanager
def inserts_refused(database_url: str, table: str) -> Iterator[None]:
    """Every new row of this table refused by the database, as a full disk or a lost grant."""
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for statement in REFUSE[kind]:
            conn.execute(text(statement.format(table=table)))
    try:
        yield
    finally:
        with engine.begin() as conn:
            on_table = f" ON {table}" if kind == "postgresql" else ""
            conn.execute(text(f"DROP TRIGGER IF EXISTS refuse_{table}{on_table}"))
        engine.dispose()


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', page
    )
    assert found, name
    return found.group(1)


def test_an_action_whose_commit_fails_is_not_confirmed_and_not_kept(
    app: Flask,
    client: FlaskClient,
    sign_in: SignIn,
    migrated_database: str,
) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in("intervenant", ["st-etienne"])
    request_id = new_request(app)
    page = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    data = {
        "take-csrf_token": hidden(page, "take-csrf_token"),
        "take-version": hidden(page, "take-version"),
    }
    # The action's audit event is the last thing written, by the request's commit.
    with inserts_refused(migrated_database, "audit_event"):
        response = client.post(f"/staff/requests/{request_id}/take", data=data)
    assert response.status_code == 503
    assert "Location" not in response.headers
    body = response.get_data(as_text=True)
    assert "The service is unavailable" in body and "Nothing was changed" in body
    assert response.headers["Cache-Control"]  # the replaced page still has every header
    with app.app_context():
        stored = stored_row(CallbackRequest, request_id)
        assert stored is not None
        assert (stored.status, stored.assigned_to_id, stored.version) == ("new", None, 1)
        taken = select(AuditEvent).where(AuditEvent.action == "request.take")
        assert db.session().scalars(taken).all() == []
    after = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Done." not in after  # no confirmation waits for the next page either
    assert "Take this request" in after


def test_a_referral_whose_commit_fails_is_not_stored(
    app: Flask,
    client: FlaskClient,
    sign_in: SignIn,
    migrated_database: str,
) -> None:
    """The request and its audit event are written together, or not at all."""
    sign_in("referrer", ["st-etienne"])
    with app.app_context():
        station = db.session().scalars(select(Station).where(Station.code == "st-etienne")).one()
    data = {
        "csrf_token": csrf_token(client, "/staff/referral"),
        "phone": "06 71 22 33 44",
        "windows": ["10:00-12:00"],
        "call_language": "fr",
        "station": str(station.id),
        "consent": "y",
    }
    with inserts_refused(migrated_database, "audit_event"):
        response = client.post("/staff/referral", data=data)
    assert response.status_code == 503
    assert "Location" not in response.headers
    with app.app_context():
        assert db.session().scalars(select(CallbackRequest)).all() == []
    # Without the failure, the same form is stored and confirmed.
    data["csrf_token"] = csrf_token(client, "/staff/referral")
    assert client.post("/staff/referral", data=data).status_code == 303
    with app.app_context():
        assert len(db.session().scalars(select(CallbackRequest)).all()) == 1


def test_a_refused_page_still_counts_as_activity(
    app: Flask,
    client: FlaskClient,
    sign_in: SignIn,
    clock: Clock,
) -> None:
    sign_in("partner")
    with app.app_context():
        [before] = db.session().scalars(select(StaffSession.last_seen_at)).all()
    clock.advance(minutes=5)
    assert client.get("/staff/users").status_code == 403
    with app.app_context():
        [after] = db.session().scalars(select(StaffSession.last_seen_at)).all()
    assert after > before
