"""The audit log: its hash chain shows tampering, and the coordinator can search it."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.commands import run_flask
from helpers.factories import stored_row
from helpers.fixture_types import LoginAs, MakeStaff
from helpers.settings import keys_env, production_env
from helpers.staff import Clock, StaffAccount, staff_browser
from helpers.web import csrf_token
from sqlalchemy import select, text

from portal.casework import transitions
from portal.core import db
from portal.intake.callbacks import RequestDetails, submit_request
from portal.models import AuditEvent, CallbackRequest, StaffUser, Station
from portal.staff import audit

ROOT = Path(__file__).resolve().parent.parent
ROW_RE = re.compile(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>")


def verify(app: Flask) -> Any:
    """`flask --app portal audit-verify` (which runs inside the app's context)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["audit-verify"])


def event_ids(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def tamper(app: Flask, statement: str, **params: Any) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with app.app_context(), db.engine().begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def logged_events(app: Flask, make_staff: MakeStaff, login_as: LoginAs) -> list[int]:
    """A real log: accounts made, a coordinator logged in, invited, edited and deactivated."""
    admin = make_staff("admin")
    client = staff_browser(app)
    login_as(client, admin)
    page = "/staff/users/new"
    data: dict[str, str | list[str]] = {
        "username": "new.person",
        "role": "partner",
        "csrf_token": csrf_token(client, page),
    }
    assert client.post(page, data=data).status_code == 200
    worker = make_staff("intervenant")
    page = f"/staff/users/{worker.id}"
    data = {
        "role": "intervenant",
        "stations": ["roanne"],
        "csrf_token": csrf_token(client, page),
    }
    assert client.post(page, data=data).status_code == 303
    token = csrf_token(client, page)
    assert client.post(f"{page}/deactivate", data={"csrf_token": token}).status_code == 303
    ids = event_ids(app)
    assert len(ids) >= 6
    return ids


def test_an_untouched_log_is_intact(app: Flask, logged_events: list[int]) -> None:
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "Audit log intact." in result.output


def assert_broken_at(app: Flask, event_id: int, reason: str) -> None:
    result = verify(app)
    assert result.exit_code != 0
    assert f"Audit log broken at event {event_id}:" in result.output
    assert reason in result.output


def test_a_changed_target_is_found(app: Flask, logged_events: list[int]) -> None:
    middle = logged_events[len(logged_events) // 2]
    tamper(app, "UPDATE audit_event SET target = 'user:999' WHERE id = :id", id=middle)
    assert_broken_at(app, middle, "its content was changed")


def test_a_changed_actor_is_found(app: Flask, logged_events: list[int]) -> None:
    first = logged_events[0]
    tamper(app, "UPDATE audit_event SET actor = 'someone.else' WHERE id = :id", id=first)
    assert_broken_at(app, first, "its content was changed")


def test_a_rewritten_event_breaks_the_link_to_the_next(
    app: Flask, logged_events: list[int]
) -> None:
    # Someone who also recomputes the changed row's own hash is caught by the next event.
    middle, following = logged_events[2], logged_events[3]
    with app.app_context():
        event = stored_row(AuditEvent, middle)
        forged = audit.event_hash(
            event.prev_hash,
            event.created_at,
            event.actor,
            event.action,
            "user:999",
            event.details or {},
        )
    tamper(
        app,
        "UPDATE audit_event SET target = 'user:999', hash = :forged WHERE id = :id",
        id=middle,
        forged=forged,
    )
    assert_broken_at(app, following, "does not follow the previous event")


def test_a_deleted_middle_event_is_found(app: Flask, logged_events: list[int]) -> None:
    middle, following = logged_events[2], logged_events[3]
    tamper(app, "DELETE FROM audit_event WHERE id = :id", id=middle)
    assert_broken_at(app, following, "does not follow the previous event")


def test_a_deleted_last_event_is_found(app: Flask, logged_events: list[int]) -> None:
    last, before_last = logged_events[-1], logged_events[-2]
    tamper(app, "DELETE FROM audit_event WHERE id = :id", id=last)
    assert_broken_at(app, before_last, "events after it were removed")


def test_a_deleted_last_event_and_head_are_found(app: Flask, logged_events: list[int]) -> None:
    last, before_last = logged_events[-1], logged_events[-2]
    tamper(app, "DELETE FROM audit_event WHERE id = :id", id=last)
    tamper(app, "DELETE FROM audit_head")
    assert_broken_at(app, before_last, "events after it were removed")


def test_the_command_line_reports_tampering(app: Flask, logged_events: list[int]) -> None:
    """The real `flask --app portal audit-verify`, as an operator or a cron job runs it."""
    env = {
        **os.environ,
        **keys_env(app.config),
        "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
        **production_env(),
    }
    middle = logged_events[len(logged_events) // 2]
    tamper(app, "UPDATE audit_event SET target = 'user:999' WHERE id = :id", id=middle)
    done = run_flask("audit-verify", env=env, cwd=ROOT, timeout=60)
    assert done.returncode != 0
    assert f"Audit log broken at event {middle}: its content was changed." in done.stderr


def rows(response: Any) -> list[tuple[str, ...]]:
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return [tuple(html.unescape(cell) for cell in row) for row in ROW_RE.findall(page)]


@pytest.fixture
def admin_client(
    app: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> tuple[FlaskClient, StaffAccount]:
    admin = make_staff("admin", username="coordination")
    client = staff_browser(app)
    login_as(client, admin)
    return client, admin


def test_the_coordinator_filters_by_action_and_actor(
    app: Flask,
    admin_client: tuple[FlaskClient, StaffAccount],
    make_staff: MakeStaff,
) -> None:
    client, admin = admin_client
    worker = make_staff("intervenant", username="w.martin")
    token = csrf_token(client, f"/staff/users/{worker.id}")
    client.post(f"/staff/users/{worker.id}/deactivate", data={"csrf_token": token})
    everything = [r[2] for r in rows(client.get("/staff/audit"))]
    assert "The system created the account of w.martin" in everything
    assert "coordination logged in" in everything
    assert "coordination deactivated the account of w.martin" in everything
    by_action = rows(client.get("/staff/audit?action=user.create"))
    assert by_action and all("created the account of" in r[2] for r in by_action)
    by_actor = rows(client.get("/staff/audit?actor=Coordination"))
    assert {r[1] for r in by_actor} == {admin.username}
    assert [r[2] for r in by_actor] == [
        "coordination deactivated the account of w.martin",
        "coordination logged in",
    ]
    both = rows(client.get("/staff/audit?action=user.deactivate&actor=coordination"))
    assert [r[2] for r in both] == ["coordination deactivated the account of w.martin"]
    assert rows(client.get("/staff/audit?actor=nobody")) == []
    # A person, chosen by name: what they did and what was done to their account.
    about = [r[2] for r in rows(client.get(f"/staff/audit?person={worker.id}"))]
    assert about == [
        "coordination deactivated the account of w.martin",
        "The system created the account of w.martin",
    ]


def test_the_coordinator_filters_by_date_in_paris_time(
    app: Flask, make_staff: MakeStaff, login_as: LoginAs, clock: Clock
) -> None:
    # 23:30 UTC on 14 January is already 00:30 on the 15th in Paris, as the page shows it.
    clock.machine.move_to(dt.datetime(2025, 1, 12, 9, 0, tzinfo=dt.UTC), tick=True)
    make_staff("partner", username="early.account")
    clock.machine.move_to(dt.datetime(2025, 1, 14, 23, 30, tzinfo=dt.UTC), tick=True)
    make_staff("partner", username="late.account")
    clock.machine.move_to(dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC), tick=True)
    admin = make_staff("admin", username="coordination")
    client = staff_browser(app)
    login_as(client, admin)

    def created(query: str) -> set[str]:
        found = rows(client.get(f"/staff/audit?action=user.create&{query}"))
        return {r[2].rsplit(" ", 1)[1] for r in found}

    early, late, now = "early.account", "late.account", "coordination"
    assert created("since=2025-01-15") == {late, now}
    assert created("until=2025-01-14") == {early}
    assert created("since=2025-01-13&until=2025-01-15") == {late}
    assert created("since=2025-01-16&until=2025-02-28") == set()
    page = client.get("/staff/audit?action=user.create&until=2025-01-15").get_data(as_text=True)
    assert "1/15/25, 12:30" in page or "15/01/2025 00:30" in page


def ids_of(app: Flask, action: str) -> list[int]:
    with app.app_context():
        targets = db.session().scalars(select(AuditEvent.target).where(AuditEvent.action == action))
        return [int(t.split(":")[1]) for t in targets]


@pytest.mark.parametrize("query", ["since=2025-13-45", "action=made.up", "until=yesterday"])
def test_a_bad_filter_is_refused_calmly(
    query: str, admin_client: tuple[FlaskClient, StaffAccount]
) -> None:
    client, _ = admin_client
    assert client.get(f"/staff/audit?{query}").status_code == 400


@pytest.mark.parametrize("role", ["intervenant", "referrer", "partner"])
def test_only_the_coordinator_reads_the_log(
    role: str, app: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    client = staff_browser(app)
    login_as(client, make_staff(role))
    assert client.get("/staff/audit").status_code == 403
    assert client.get("/staff/audit?action=login.success").status_code == 403


def test_a_request_history_in_plain_words_linked_from_the_request_and_exported(
    app: Flask,
    admin_client: tuple[FlaskClient, StaffAccount],
    make_staff: MakeStaff,
) -> None:
    client, _admin = admin_client
    with app.app_context():
        worker_id = make_staff("intervenant", username="w.martin").id
        stored_row(StaffUser, worker_id).display_name = "=Wanda Martin"
        db.session().commit()
        details = RequestDetails(
            phone_e164="+33612345678",
            call_language="fr",
            page_language="fr",
            safe_windows=["08:00-20:00"],
            name="Sam",
            station_id=db.session()
            .scalars(select(Station.id).where(Station.code == "st-etienne"))
            .one(),
        )
        request_id = submit_request(details).request_id
        other_id = submit_request(replace(details, phone_e164="+33612345679")).request_id
        for ident in (request_id, other_id):
            request = stored_row(CallbackRequest, ident)
            actor = stored_row(StaffUser, worker_id)
            transitions.take(request, actor, version=request.version)
            transitions.commit_action()
        request = stored_row(CallbackRequest, request_id)
        transitions.log_attempt(request, actor, "someone_else", "", version=request.version)
        transitions.commit_action()
        reference = request.reference
    page = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    link = f'href="/staff/audit?reference={reference}"'
    assert link in html.unescape(page).replace("&#39;", "'")

    typed = reference.lower().replace("-", " ")
    history = [r[1:] for r in rows(client.get("/staff/audit", query_string={"reference": typed}))]

    assert history == [
        ("coordination", f"coordination opened request {reference}", ""),
        (
            "=Wanda Martin",
            f"=Wanda Martin logged a call attempt on request {reference}",
            "outcome: Someone else answered",
        ),
        ("=Wanda Martin", f"=Wanda Martin took request {reference}", ""),
    ]
    assert "request:" not in client.get("/staff/audit").get_data(as_text=True)
    assert rows(client.get("/staff/audit?reference=ZZZ-ZZZ-Z")) == []

    export = client.get("/staff/audit.csv", query_string={"reference": reference})
    assert export.status_code == 200 and export.mimetype == "text/csv"
    lines = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert [line["Action"] for line in lines] == ["request.view", "request.attempt", "request.take"]
    assert lines[1]["Who"] == "'=Wanda Martin"  # never run as a formula
    assert lines[1]["What happened"].startswith("'=Wanda Martin logged a call attempt")


def test_an_intervenant_sees_no_link_to_the_history(
    app: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    with app.app_context():
        details = RequestDetails(
            phone_e164="+33612345678",
            call_language="fr",
            page_language="fr",
            safe_windows=["08:00-20:00"],
            station_id=db.session()
            .scalars(select(Station.id).where(Station.code == "st-etienne"))
            .one(),
        )
        request_id = submit_request(details).request_id
    client = staff_browser(app)
    login_as(client, make_staff("intervenant"))
    page = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "History of this request" not in page and "/staff/audit" not in page
