"""Who may open which back-office page, and that every form that changes something needs CSRF.

Both tests walk the real URL map, so a new route under /staff/ is checked as soon as it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from helpers.fixture_types import LoginAs, MakeStaff, Submit
from helpers.staff import staff_browser
from helpers.web import csrf_token
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Rule

from portal.core import db
from portal.core.db import Base
from portal.directory.demo import create_demo_directory
from portal.models import DirectoryCorrection, Role
from portal.staff import accounts
from portal.stations import registry
from portal.stations.cards import current_batch

ANONYMOUS = "anonymous"
ADMIN = {Role.ADMIN.value}
STAFF = {r.value for r in Role}
EVERYONE = {ANONYMOUS, *STAFF}
CASEWORK = {Role.ADMIN.value, Role.INTERVENANT.value}
REFERRER = {Role.REFERRER.value}
DIRECTORY_READERS = {Role.ADMIN.value, Role.INTERVENANT.value, Role.PARTNER.value}

# Endpoint -> who may open it: roles by name, plus "anonymous" for the pages open without a session.
# A new back-office route MUST be added here (the matrix test fails until it is), for example
#     "staff.queue": {Role.ADMIN.value, Role.INTERVENANT.value},
# and each new URL variable needs a sample value in SAMPLES below.
ACCESS: dict[str, set[str]] = {
    "staff.login": EVERYONE,
    "staff.invitation": EVERYONE,
    "staff.home": STAFF,
    "staff.logout": STAFF,
    "staff.users": ADMIN,
    "staff.station_list": ADMIN,
    "staff.new_station": ADMIN,
    "staff.station_detail": ADMIN,
    "staff.close_station": ADMIN,
    "staff.reopen_station": ADMIN,
    "staff.new_batch": ADMIN,
    "staff.revoke_batch": ADMIN,
    "staff.replace_batch": ADMIN,
    "staff.batch_pdf": ADMIN,
    "staff.new_user": ADMIN,
    "staff.edit_user": ADMIN,
    "staff.deactivate_user": ADMIN,
    "staff.activate_user": ADMIN,
    "staff.reset_user": ADMIN,
    "staff.audit_log": ADMIN,
    "staff.audit_csv": ADMIN,
    "staff.directory_correction": DIRECTORY_READERS,
    "staff.directory_corrections": ADMIN,
    "staff.directory_correction_accept": ADMIN,
    "staff.directory_correction_refuse": ADMIN,
    "staff.triage_list": ADMIN,
    "staff.triage_spam": ADMIN,
    "staff.triage_release": ADMIN,
    "staff.stats": ADMIN,
    "staff.stats_csv": ADMIN,
    "staff.request_page": CASEWORK,
    "staff.queue_search": CASEWORK,
    "staff.request_take": CASEWORK,
    "staff.request_release": CASEWORK,
    "staff.request_reopen": CASEWORK,
    "staff.request_attempt": CASEWORK,
    "staff.request_schedule": CASEWORK,
    "staff.request_close": CASEWORK,
    "staff.request_clear_risk": CASEWORK,
    "staff.request_hand_over": CASEWORK,
    "staff.referral": REFERRER,
    "staff.referral_sent": REFERRER,
    "staff.my_referrals": REFERRER,
    "staff.directory": DIRECTORY_READERS,
    "staff.directory_export": DIRECTORY_READERS,
    "staff.directory_recheck": ADMIN,
    "staff.directory_new": ADMIN,
    "staff.directory_edit": ADMIN,
    "staff.directory_verify": ADMIN,
    "staff.directory_hide": ADMIN,
    "staff.directory_show": ADMIN,
}

# Answers that prove a permitted visitor got through: a page, a redirect (never to the login page,
# except logging out), or a form refused for its content. Never 403, never 500.
GRANTED = {200, 302, 303, 400}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return staff_browser(app)


@dataclass
class Samples:
    """Existing records that URL variables can point at."""

    other_user_id: int
    invitation_token: str
    request_id: int
    entry_id: int
    batch_id: int
    correction_id: int


# URL variable -> the value to put in it, taken from records made for the test.
SAMPLES: dict[str, Callable[[Samples], Any]] = {
    "user_id": lambda s: s.other_user_id,
    "token": lambda s: s.invitation_token,
    "request_id": lambda s: s.request_id,
    "entry_id": lambda s: s.entry_id,
    "code": lambda s: "roanne",
    "batch_id": lambda s: s.batch_id,
    "correction_id": lambda s: s.correction_id,
}


def staff_rules(app: Flask) -> list[Rule]:
    """Every back-office rule, logout last (it ends the session the others need)."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.")]
    return sorted(rules, key=lambda r: (r.endpoint == "staff.logout", r.endpoint, r.rule))


def rule_path(app: Flask, rule: Rule, samples: Samples) -> str:
    missing = [name for name in rule.arguments if name not in SAMPLES]
    assert not missing, f"add a sample value for {missing} (route {rule.rule}) to SAMPLES"
    values = {name: SAMPLES[name](samples) for name in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def is_post_only(rule: Rule) -> bool:
    return "GET" not in (rule.methods or set())


def visit(client: FlaskClient, app: Flask, rule: Rule, samples: Samples) -> Any:
    """GET the page, or POST to it with a genuine CSRF token when it only takes POST."""
    path = rule_path(app, rule, samples)
    if is_post_only(rule):
        return client.post(path, data={"csrf_token": csrf_token(client, "/staff/login")})
    return client.get(path)


@pytest.fixture
def samples(
    app: Flask,
    make_staff: MakeStaff,
    submit: Submit,
    stored_requests: Callable[[], list[Any]],
) -> Samples:
    other = make_staff("intervenant")
    assert submit(station="st-etienne").status_code == 303
    [request] = stored_requests()
    with app.app_context():
        pending = accounts.create_user("pending.person", Role.PARTNER.value, [])
        link = accounts.invitation_link(pending)
        db.session().commit()
        entry_id = create_demo_directory()[0].id
        batch_id = current_batch(registry.station_by_code("roanne")).id
        correction = DirectoryCorrection(entry_id=entry_id, changes={"phone": "3919"})
        db.session().add(correction)
        db.session().commit()
        correction_id = correction.id
    token = link.rsplit("/", 1)[1]
    return Samples(
        other_user_id=other.id,
        invitation_token=token,
        request_id=request.id,
        entry_id=entry_id,
        batch_id=batch_id,
        correction_id=correction_id,
    )


def test_every_back_office_endpoint_is_in_the_access_table(app: Flask) -> None:
    endpoints = {r.endpoint for r in staff_rules(app)}
    missing = sorted(endpoints - ACCESS.keys())
    assert not missing, (
        f"back-office endpoints missing from ACCESS in tests/test_staff_access.py: {missing}; "
        "add each with the set of roles allowed to open it"
    )
    stale = sorted(ACCESS.keys() - endpoints)
    assert not stale, f"ACCESS names endpoints that no longer exist: {stale}"


@pytest.mark.parametrize("who", [ANONYMOUS, *sorted(STAFF)])
def test_access_matrix(
    who: str,
    app: Flask,
    samples: Samples,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    client = staff_browser(app)
    if who != ANONYMOUS:
        login_as(client, make_staff(who))
    wrong = []
    for rule in staff_rules(app):
        allowed = ACCESS.get(rule.endpoint)
        if allowed is None:
            wrong.append(f"{rule.endpoint}: add it to ACCESS in tests/test_staff_access.py")
            continue
        response = visit(client, app, rule, samples)
        status, location = response.status_code, response.headers.get("Location", "")
        if who in allowed:
            to_login = location.endswith("/staff/login") and rule.endpoint != "staff.logout"
            ok = status in GRANTED and not to_login
        elif who == ANONYMOUS:
            ok = status == 302 and location.endswith("/staff/login")
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"{rule.endpoint} {rule.rule}: {status} {location}")
    assert not wrong, f"as {who}, unexpected answers:\n" + "\n".join(wrong)


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove that a refused request changed nothing at all."""
    with app.app_context():
        session = db.session()
        return {
            table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["no token", "wrong token"])
def test_every_state_changing_form_needs_a_csrf_token(
    token: str | None,
    app: Flask,
    samples: Samples,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    admin = make_staff("admin")
    client = staff_browser(app)
    login_as(client, admin)
    post_rules = [r for r in staff_rules(app) if "POST" in (r.methods or set())]
    assert {"staff.login", "staff.logout", "staff.new_user"} <= {r.endpoint for r in post_rules}
    before = snapshot(app)
    for rule in post_rules:
        data = {"username": "someone.new", "role": "admin", "password": "x", "code": "123456"}
        if token is not None:
            data["csrf_token"] = token
        response = client.post(rule_path(app, rule, samples), data=data)
        assert response.status_code == 400, rule.endpoint
        assert "The form expired" in response.get_data(as_text=True), rule.endpoint
    assert snapshot(app) == before
    # The refused posts did not log the admin out either.
    assert client.get("/staff/").status_code == 200


def int_arguments(rule: Rule) -> list[str]:
    converters = rule._converters.items()
    return [name for name, converter in converters if isinstance(converter, IntegerConverter)]


def test_an_id_too_large_for_the_database_is_simply_not_found(
    app: Flask,
    samples: Samples,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    client = staff_browser(app)
    login_as(client, make_staff("admin"))
    rules = [r for r in staff_rules(app) if int_arguments(r) and r.endpoint != "staff.logout"]
    assert {"staff.edit_user", "staff.reset_user"} <= {r.endpoint for r in rules}
    wrong = []
    for rule in rules:
        values = {name: SAMPLES[name](samples) for name in rule.arguments}
        values.update({name: 10**20 for name in int_arguments(rule)})
        with app.test_request_context():
            path = url_for(rule.endpoint, **values)
        if is_post_only(rule):
            response = client.post(path, data={"csrf_token": csrf_token(client, "/staff/login")})
        else:
            response = client.get(path)
        expected = 404 if Role.ADMIN.value in ACCESS.get(rule.endpoint, set()) else 403
        if response.status_code != expected:
            wrong.append(f"{rule.endpoint}: {response.status_code}")
    assert not wrong


def test_a_nul_character_is_refused_plainly(
    app: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    client = staff_browser(app)
    token = csrf_token(client, "/staff/login")
    form = {"username": "a\x00b", "password": "x", "code": "123456", "csrf_token": token}
    assert client.post("/staff/login", data=form).status_code == 400
    admin = make_staff("admin")
    login_as(client, admin)
    before = snapshot(app)
    assert client.get("/staff/audit?actor=a%00b").status_code == 400
    page = f"/staff/users/{admin.id}"
    form = {"display_name": "Claire\x00", "role": "admin", "csrf_token": csrf_token(client, page)}
    assert client.post(page, data=form).status_code == 400
    after = snapshot(app)
    # Only the login itself moved: the session's last activity.
    assert {k: v for k, v in after.items() if k != "staff_session"} == {
        k: v for k, v in before.items() if k != "staff_session"
    }
