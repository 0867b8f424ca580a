"""The coordinator's account pages: invite, edit, deactivate, reset; each one audited."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import LoginAs, MakeStaff
from helpers.staff import Clock, StaffAccount, post_login, staff_browser
from helpers.web import csrf_token
from sqlalchemy import select

from portal.core import db
from portal.models import AuditEvent, StaffUser

LINK_RE = re.compile(r"https://portal\.example(/staff/invitation/[\w.-]+)")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return staff_browser(app)


@pytest.fixture
def admin(make_staff: MakeStaff) -> StaffAccount:
    return make_staff("admin", username="coordination")


@pytest.fixture
def admin_client(app: Flask, admin: StaffAccount, login_as: LoginAs) -> FlaskClient:
    client = staff_browser(app)
    login_as(client, admin)
    return client


def send_form(client: FlaskClient, page: str, **fields: Any) -> Any:
    """Load a page, then send its form with these fields, as a browser would."""
    return client.post(page, data={**fields, "csrf_token": csrf_token(client, page)})


def press_button(client: FlaskClient, user_id: int, action: str) -> Any:
    page = f"/staff/users/{user_id}"
    return client.post(f"{page}/{action}", data={"csrf_token": csrf_token(client, page)})


def user_named(app: Flask, username: str) -> StaffUser:
    with app.app_context():
        user = db.session().scalars(select(StaffUser).where(StaffUser.username == username)).first()
        assert user is not None, f"no account {username}"
        _ = [s.code for s in user.stations]  # loaded while the session is open
        return user


def audit_events(app: Flask, action: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Events of one kind done by people (the tests' set-up accounts are made by "system")."""
    with app.app_context():
        events = db.session().scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.actor != "system")
            .order_by(AuditEvent.id)
        )
        return [(e.actor, e.target, e.details) for e in events]


def test_invite_someone(app: Flask, admin_client: FlaskClient, admin: StaffAccount) -> None:
    assert admin_client.get("/staff/users/new").status_code == 200
    response = send_form(
        admin_client,
        "/staff/users/new",
        username="M.Dumont",
        display_name="Marie Dumont",
        role="intervenant",
        stations=["st-etienne", "roanne"],
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = LINK_RE.search(page)
    assert found, "the invitation link is shown"
    user = user_named(app, "m.dumont")
    assert user is not None and not user.enrolled and user.active
    assert user.role == "intervenant" and user.display_name == "Marie Dumont"
    assert sorted(s.code for s in user.stations) == ["roanne", "st-etienne"]
    assert audit_events(app, "user.create") == [
        (
            admin.username,
            f"user:{user.id}",
            {"role": "intervenant", "stations": ["roanne", "st-etienne"]},
        )
    ]
    assert audit_events(app, "user.invite") == [(admin.username, f"user:{user.id}", {})]
    listing = admin_client.get("/staff/users").get_data(as_text=True)
    assert "m.dumont" in listing and "Invitation pending" in listing
    # The link works, in the new colleague's own browser.
    assert staff_browser(app).get(found.group(1)).status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "coordination"}, "This username is already taken."),
        ({"username": "Marie Dumont"}, "Use 2 to 63 lower-case letters"),
        ({"username": "-dumont"}, "Use 2 to 63 lower-case letters"),
        ({"username": "émilie"}, "Use 2 to 63 lower-case letters"),
        ({"username": "x" * 65}, "Field cannot be longer than 64 characters."),
        ({"username": ""}, "Choose a username."),
        ({"stations": []}, "Social workers and officers need at least one station."),
        ({"role": "referrer", "stations": []}, "need at least one station."),
        ({"role": "superuser"}, "Not a valid choice"),
        ({"stations": ["atlantis"]}, "is not a valid choice for this field"),
    ],
    ids=[
        "taken",
        "space",
        "dash-first",
        "accent",
        "long",
        "empty",
        "no-station",
        "referrer-no-station",
        "bad-role",
        "bad-station",
    ],
)
def test_invitation_refused(
    fields: dict[str, Any], message: str, app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        before = len(db.session().scalars(select(StaffUser)).all())
    form = {"username": "new.person", "role": "intervenant", "stations": ["st-etienne"], **fields}
    response = send_form(admin_client, "/staff/users/new", **form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert not LINK_RE.search(page)
    with app.app_context():
        assert len(db.session().scalars(select(StaffUser)).all()) == before
    assert audit_events(app, "user.create") == []


def test_a_partner_needs_no_station(app: Flask, admin_client: FlaskClient) -> None:
    response = send_form(admin_client, "/staff/users/new", username="asso.loire", role="partner")
    assert response.status_code == 200
    assert LINK_RE.search(response.get_data(as_text=True))


def test_change_role_and_stations_takes_effect_at_once(
    app: Flask,
    admin_client: FlaskClient,
    admin: StaffAccount,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    staff = make_staff("intervenant")
    worker = staff_browser(app)
    login_as(worker, staff)
    assert worker.get("/staff/referral").status_code == 403
    page = f"/staff/users/{staff.id}"
    fields = {
        "display_name": "Brigadier Martin",
        "role": "referrer",
        "stations": ["roanne", "firminy"],
    }
    asked = send_form(admin_client, page, **fields)
    # First the coordinator sees what the change does; nothing has changed yet.
    assert asked.status_code == 200
    question = html.unescape(asked.get_data(as_text=True))
    assert "Change the role of" in question and "Yes, change the role" in question
    assert "Police officer or gendarme (referrals only)" in question
    assert "Stations added</dt><dd>Commissariat de Firminy, Commissariat de Roanne" in question
    assert "Stations removed</dt><dd>Commissariat de Saint-Étienne" in question
    assert user_named(app, staff.username).role == "intervenant"
    assert audit_events(app, "user.update") == []
    response = send_form(admin_client, page, role_confirmed="referrer", **fields)
    assert response.status_code == 303
    assert "Changes saved." in admin_client.get(page).get_data(as_text=True)
    user = user_named(app, staff.username)
    assert user.role == "referrer" and user.display_name == "Brigadier Martin"
    assert sorted(s.code for s in user.stations) == ["firminy", "roanne"]
    [(actor, target, details)] = audit_events(app, "user.update")
    assert (actor, target) == (admin.username, f"user:{staff.id}")
    assert details["before"] == {"role": "intervenant", "stations": ["st-etienne"]}
    assert details["after"] == {"role": "referrer", "stations": ["firminy", "roanne"]}
    # The live session follows the new role on its next page.
    assert worker.get("/staff/referral").status_code == 200
    assert worker.get(f"/staff/requests/{staff.id}").status_code == 403


def test_a_coordinator_cannot_remove_their_own_role(
    app: Flask, admin_client: FlaskClient, admin: StaffAccount
) -> None:
    page = f"/staff/users/{admin.id}"
    response = send_form(admin_client, page, role="intervenant", stations=["st-etienne"])
    assert response.status_code == 400
    assert "You cannot remove your own coordinator role." in response.get_data(as_text=True)
    assert user_named(app, admin.username).role == "admin"
    assert audit_events(app, "user.update") == []
    assert admin_client.get("/staff/users").status_code == 200


def test_a_coordinator_cannot_deactivate_themselves(
    app: Flask, admin_client: FlaskClient, admin: StaffAccount
) -> None:
    response = press_button(admin_client, admin.id, "deactivate")
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    assert user_named(app, admin.username).active
    assert audit_events(app, "user.deactivate") == []


def test_deactivate_and_reactivate(
    app: Flask,
    admin_client: FlaskClient,
    admin: StaffAccount,
    make_staff: MakeStaff,
    clock: Clock,
) -> None:
    staff = make_staff("intervenant")
    assert press_button(admin_client, staff.id, "deactivate").status_code == 303
    assert not user_named(app, staff.username).active
    listing = admin_client.get("/staff/users").get_data(as_text=True)
    assert re.search(rf"{staff.username}</a>.*?Deactivated", listing, re.S)
    assert audit_events(app, "user.deactivate") == [(admin.username, f"user:{staff.id}", {})]
    outsider = staff_browser(app)
    assert post_login(outsider, staff.username, staff.password, staff.code()).status_code == 400
    assert press_button(admin_client, staff.id, "activate").status_code == 303
    assert user_named(app, staff.username).active
    assert audit_events(app, "user.activate") == [(admin.username, f"user:{staff.id}", {})]
    clock.advance(seconds=30)
    assert post_login(outsider, staff.username, staff.password, staff.code()).status_code == 303


def test_reset(
    app: Flask,
    admin_client: FlaskClient,
    admin: StaffAccount,
    make_staff: MakeStaff,
) -> None:
    staff = make_staff("intervenant")
    response = press_button(admin_client, staff.id, "reset")
    assert response.status_code == 200
    found = LINK_RE.search(response.get_data(as_text=True))
    assert found
    user = user_named(app, staff.username)
    assert not user.enrolled and user.active
    assert audit_events(app, "user.reset") == [(admin.username, f"user:{staff.id}", {})]
    assert audit_events(app, "user.invite") == [(admin.username, f"user:{staff.id}", {})]
    outsider = staff_browser(app)
    assert post_login(outsider, staff.username, staff.password, staff.code()).status_code == 400
    assert outsider.get(found.group(1)).status_code == 200


def test_a_deactivated_account_is_reactivated_before_a_reset(
    app: Flask, admin_client: FlaskClient, make_staff: MakeStaff
) -> None:
    staff = make_staff("intervenant")
    assert press_button(admin_client, staff.id, "deactivate").status_code == 303
    response = press_button(admin_client, staff.id, "reset")
    assert response.status_code == 303
    assert "Reactivate the account first." in admin_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert user_named(app, staff.username).enrolled
    assert audit_events(app, "user.reset") == []


def test_unknown_account(admin_client: FlaskClient) -> None:
    assert admin_client.get("/staff/users/999999").status_code == 404
    token = csrf_token(admin_client, "/staff/users/new")
    for action in ("deactivate", "activate", "reset"):
        response = admin_client.post(f"/staff/users/999999/{action}", data={"csrf_token": token})
        assert response.status_code == 404


@pytest.mark.parametrize("form_page", ["/staff/users/new", "edit"])
def test_a_missing_station_is_shown_next_to_the_stations(
    form_page: str, admin_client: FlaskClient, make_staff: MakeStaff
) -> None:
    if form_page == "edit":
        form_page = f"/staff/users/{make_staff('partner').id}"
    response = send_form(admin_client, form_page, username="new.person", role="intervenant")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    fieldset = re.search(r'<fieldset[^>]*id="stations".*?</fieldset>', body, re.S)
    assert fieldset, "the error summary links to #stations, which must exist"
    assert "need at least one station" in fieldset.group(0)
    assert 'href="#stations-0"' in body  # the first box of the group, as GOV.UK links
