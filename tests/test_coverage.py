"""Coverage: a station counts as covered only once one of its social workers has logged in."""

from __future__ import annotations

import html

from flask import Flask
from helpers.factories import stored_row
from helpers.fixture_types import LoginAs, MakeStaff
from helpers.staff import staff_browser

from portal.core import db
from portal.models import StaffUser


def warning(page: str) -> tuple[str, str]:
    """The two sentences of the coordinator's coverage warning: waiting, and only invited."""
    text = html.unescape(page)
    if "Stations without an active social worker" not in text:
        return "", ""
    box = text.split("Stations without an active social worker", 1)[1].split("</div>", 1)[0]
    waiting = box.split("Their requests wait in your queue:", 1)[1].split("</p>", 1)[0]
    invited = box.split("Only invited, never logged in:", 1)[1] if "Only invited" in box else ""
    return waiting, invited.split("</p>", 1)[0]


def test_a_station_whose_only_social_worker_never_logged_in_is_named(
    app: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    make_staff("intervenant", ["st-etienne", "st-chamond", "gendarmerie", "roanne"])
    make_staff("intervenant", ["firminy"], username="invited", enrolled=False)
    enrolled = make_staff("intervenant", ["firminy"], username="enrolled")
    with app.app_context():
        stored_row(StaffUser, enrolled.id).last_login_at = None
        db.session().commit()
    admin = staff_browser(app)
    login_as(admin, make_staff("admin"))

    waiting, invited = warning(admin.get("/staff/").get_data(as_text=True))

    assert "Commissariat de Firminy" in waiting and "Commissariat de Firminy" in invited
    assert "Roanne" not in waiting and "Saint-Étienne" not in waiting
    # Once one of them logs in, Firminy is covered and the warning goes.
    login_as(staff_browser(app), enrolled)
    assert warning(admin.get("/staff/").get_data(as_text=True)) == ("", "")


def test_a_station_with_nobody_is_not_said_to_be_invited(
    app: Flask, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    make_staff("intervenant", ["st-etienne", "st-chamond", "gendarmerie", "roanne"])
    admin = staff_browser(app)
    login_as(admin, make_staff("admin"))

    waiting, invited = warning(admin.get("/staff/").get_data(as_text=True))

    assert "Commissariat de Firminy" in waiting and invited == ""
