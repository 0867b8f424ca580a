"""Who may do what: the request page offers exactly the actions `access` allows, and the domain
refuses every other one, for each status, role and holder."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from helpers.factories import stored_row
from helpers.fixture_types import LoginAs, MakeStaff, SignIn
from sqlalchemy import select

from portal.casework import interpreter_booking, transitions
from portal.casework.windows import next_safe_start
from portal.core import db
from portal.intake import callbacks
from portal.models import CallbackRequest, StaffUser, Station, utcnow
from portal.staff import access

PHONES = (f"+3367000{n:04d}" for n in itertools.count(1000))
WINDOWS = ["10:00-12:00", "14:00-17:00"]
# (status, erased, flagged): an erased closed request is one whose personal data the retention
# purge took; a flagged one had "someone else answered" on an attempt.
SITUATIONS = [
    ("new", False, False),
    ("in_progress", False, False),
    ("in_progress", False, True),
    ("closed", False, False),
    ("closed", True, False),
    ("closed", False, True),
    ("cancelled", True, False),
]
HOLDERS = ("nobody", "actor", "colleague")
ACTORS = {
    "coordinator": ("admin", []),
    "social worker": ("intervenant", ["st-etienne"]),
    "social worker elsewhere": ("intervenant", ["roanne"]),
    "partner": ("partner", []),
    "police officer": ("referrer", ["st-etienne"]),
}


def stored_request(
    app: Flask, status: str, erased: bool, holder_id: int | None, flagged: bool = False
) -> int:
    """A request of Saint-Étienne brought straight into the given situation."""
    with app.app_context():
        session = db.session()
        station = session.scalars(select(Station).where(Station.code == "st-etienne")).one()
        details = callbacks.RequestDetails(
            phone_e164=next(PHONES),
            call_language="fr",
            page_language="fr",
            safe_windows=WINDOWS,
            name="Sam",
            station_id=station.id,
        )
        submitted = callbacks.submit_request(details)
        request = session.get(CallbackRequest, submitted.request_id)
        assert request is not None
        request.status = status
        request.assigned_to_id = holder_id
        request.risk_flagged_at = utcnow() if flagged else None
        if status == "closed":
            request.outcome = "accompanied"
            request.known_to_services = "yes"
            request.closed_at = utcnow()
        if erased:
            callbacks.erase_personal_data(request)
        session.commit()
        return request.id


def offered(page: str, request_id: int) -> frozenset[str]:
    """The actions whose form the page draws."""
    found = re.findall(rf'action="/staff/requests/{request_id}/([a-z-]+)"', page)
    return frozenset(name.replace("-", "_") for name in found)


def run(action: str, request: CallbackRequest, actor: StaffUser, other: StaffUser) -> None:
    """Try one action through the domain, with the version the person saw."""
    version = request.version
    if action == "take":
        transitions.take(request, actor, version)
    elif action == "release":
        transitions.release(request, actor, version)
    elif action == "hand_over":
        transitions.hand_over(request, actor, other, version)
    elif action == "attempt":
        transitions.log_attempt(request, actor, "reached", None, version)
    elif action == "schedule":
        opening = next_safe_start(WINDOWS, dt.datetime.now(dt.UTC))
        assert opening is not None
        transitions.schedule(request, actor, opening + dt.timedelta(minutes=5), version)
    elif action == "close":
        transitions.close(request, actor, "accompanied", "yes", version)
    elif action == "reopen":
        transitions.reopen(request, actor, version)
    elif action == "clear_risk":
        transitions.clear_risk(request, actor, version)
    elif action == "clear_conflict":
        transitions.clear_conflict(request, actor, version)
    elif action == "interpreter":
        when = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        interpreter_booking.book(request, actor, when, "ISM Interprétariat", None, version)
    else:
        raise AssertionError(action)


@pytest.mark.parametrize("who", list(ACTORS))
def test_the_page_offers_exactly_what_the_domain_accepts(
    app: Flask,
    client: FlaskClient,
    make_staff: MakeStaff,
    login_as: LoginAs,
    who: str,
) -> None:
    role, stations = ACTORS[who]
    actor_account = make_staff(role, stations, username="actor")
    colleague = make_staff("intervenant", ["st-etienne"], username="colleague")
    # Someone to hand over to, whoever acts and whoever holds the request.
    third = make_staff("intervenant", ["st-etienne"], username="third")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_as(client, actor_account)
    caseworker = role in access.CASEWORKERS
    seen: set[frozenset[str]] = set()
    for (status, erased, flagged), holder in itertools.product(SITUATIONS, HOLDERS):
        if holder == "actor" and not caseworker:
            continue  # only caseworkers ever hold a request
        holder_id = {"nobody": None, "actor": actor_account.id, "colleague": colleague.id}[holder]
        request_id = stored_request(app, status, erased, holder_id, flagged)
        situation = f"{who}, {status}{' erased' if erased else ''}, held by {holder}"
        situation += ", flagged" if flagged else ""
        with app.app_context():
            request = stored_row(CallbackRequest, request_id)
            actor = stored_row(StaffUser, actor_account.id)
            assert request is not None and actor is not None
            allowed = access.allowed_actions(request, actor)
        response = client.get(f"/staff/requests/{request_id}")
        if not caseworker:
            assert response.status_code == 403, situation
        elif who == "social worker elsewhere":
            assert response.status_code == 404, situation
        else:
            assert response.status_code == 200, situation
        page = response.get_data(as_text=True) if response.status_code == 200 else ""
        assert offered(page, request_id) == allowed, situation
        seen.add(allowed)
        for action in access.ACTIONS:
            with app.app_context():
                session = db.session()
                request = stored_row(CallbackRequest, request_id)
                actor = stored_row(StaffUser, actor_account.id)
                other = session.get(StaffUser, third.id)
                assert request is not None and actor is not None and other is not None
                if action in allowed:
                    run(action, request, actor, other)  # accepted: raises nothing
                else:
                    with pytest.raises(transitions.CaseworkError) as refused:
                        run(action, request, actor, other)
                    assert not isinstance(refused.value, transitions.Conflict), situation
                    assert refused.value.code == access.refusal(request, actor, action)
                session.rollback()
    if who == "coordinator":
        # The walk met the cases the page used to get wrong.
        assert frozenset({"release", "hand_over", "attempt", "schedule", "close"}) in seen
        assert frozenset({"reopen"}) in seen and frozenset() in seen
    if who == "social worker":
        assert frozenset({"attempt", "schedule", "close"}) in seen  # held by a colleague
        assert frozenset({"attempt", "schedule", "close", "clear_risk"}) in seen


def test_the_queue_page_offers_unrouted_requests_to_coordinators_only(
    app: Flask,
    client: FlaskClient,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    login_as(client, make_staff("intervenant", ["st-etienne"]))
    assert 'value="0"' not in client.get("/staff/").get_data(as_text=True)
    coordinator = app.test_client()
    login_as(coordinator, make_staff("admin"))
    assert 'value="0"' in coordinator.get("/staff/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "intervenant", "referrer", "partner"])
def test_the_menu_shows_exactly_the_areas_the_gate_opens(
    app: Flask,
    client: FlaskClient,
    sign_in: SignIn,
    role: str,
) -> None:
    from portal.backoffice.menu import MENU

    sign_in(role)
    page = client.get("/staff/", follow_redirects=True).get_data(as_text=True)
    menu = page.split("</nav>")[0]
    for endpoint, _label, area in MENU:
        with app.test_request_context():
            path = url_for(endpoint)
        in_menu = f'href="{path}"' in menu
        assert in_menu == (role in access.AREA_ROLES[area]), (role, endpoint)
        if endpoint != "staff.home":  # the first page is everyone's: it sends each role on
            assert in_menu == (client.get(path).status_code == 200), (role, endpoint)
