"""Marking a group as spam: a preview first (its reading audited), nothing changed without the
confirmation, and a way back for a while; groups named in words a coordinator reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from helpers.flood import flood, requests_of
from helpers.flood import flooded as flooded  # noqa: F401 (a fixture)
from helpers.staff import Clock, StaffAccount, staff_client
from helpers.web import csrf_token, text_of

from portal.core import db
from portal.models import AuditEvent


def visible(response: Any) -> str:
    """The page's text as read on screen, without addresses and hidden fields."""
    return re.sub(r"<[^>]+>", " ", text_of(response))


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session().query(AuditEvent).order_by(AuditEvent.id)]


def ask_spam(coordinator: FlaskClient, by: str, key: str, **extra: str) -> Any:
    token = csrf_token(coordinator, f"/staff/triage?by={by}")
    data = {"csrf_token": token, "by": by, "key": key, **extra}
    return coordinator.post("/staff/triage/spam", data=data)


def states(app: Flask) -> list[tuple[str, str, str | None]]:
    return [(r.lane, r.status, r.outcome) for r in requests_of(app)]


def test_marking_a_group_without_confirming_changes_nothing(
    flooded: Flask,  # noqa: F811
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    flood(flooded)
    before = states(flooded)
    bots = requests_of(flooded)[2:6]
    coordinator = staff_client(flooded, login_as, make_staff("admin"))
    asked = ask_spam(coordinator, "network", bots[0].network_label or "")
    page = text_of(asked)
    assert asked.status_code == 200
    assert "Mark 4 request(s) of the group network 1 as spam?" in page
    assert all(bot.reference in page for bot in bots)
    assert page.count("Gagnez un iPhone maintenant") == 4  # what she would close, read first
    assert states(flooded) == before
    assert "triage.preview" in audit_actions(flooded)
    assert "triage.spam" not in audit_actions(flooded)
    # A hand-made post with a wrong confirmation value changes nothing either.
    ask_spam(coordinator, "network", bots[0].network_label or "", confirmed="yes")
    assert states(flooded) == before


def test_a_confirmed_spam_decision_can_be_undone(
    flooded: Flask,  # noqa: F811
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    flood(flooded)
    before = states(flooded)
    bots = requests_of(flooded)[2:6]
    coordinator = staff_client(flooded, login_as, make_staff("admin"))
    preview = text_of(ask_spam(coordinator, "text", bots[0].text_label or ""))
    ids = re.search(r'name="ids" value="([0-9,]+)"', preview)
    assert ids is not None
    done = ask_spam(coordinator, "text", bots[0].text_label or "", ids=ids[1], confirmed="1")
    assert done.status_code == 303
    assert [s for s in states(flooded)[2:6]] == [("check", "closed", "spam")] * 4
    listing = text_of(coordinator.get(done.headers["Location"]))
    assert "4 request(s) marked as spam" in listing
    assert "Recent spam decisions" in listing and "“Gagnez un iPhone" in listing
    undo = re.search(r'action="(/staff/triage/decisions/\d+/undo)"', listing)
    assert undo is not None
    token = csrf_token(coordinator, "/staff/triage")
    back = coordinator.post(undo[1], data={"csrf_token": token})
    assert back.status_code == 303
    assert "4 request(s) are back in the list to check." in text_of(
        coordinator.get("/staff/triage")
    )
    assert states(flooded) == before
    assert "triage.spam_undo" in audit_actions(flooded)
    # Undone once: the button is gone, and a second undo is refused.
    assert coordinator.post(undo[1], data={"csrf_token": token}).status_code == 303
    assert "can no longer be undone" in text_of(coordinator.get("/staff/triage"))


def test_the_undo_period_ends(
    flooded: Flask,  # noqa: F811
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
    clock: Clock,
) -> None:
    flooded.config["SPAM_UNDO_DAYS"] = 2
    flood(flooded)
    bots = requests_of(flooded)[2:6]
    coordinator = staff_client(flooded, login_as, make_staff("admin"))
    ask_spam(coordinator, "network", bots[0].network_label or "", confirmed="1")
    listing = text_of(coordinator.get("/staff/triage"))
    undo = re.search(r'action="(/staff/triage/decisions/\d+/undo)"', listing)
    assert undo is not None
    token = csrf_token(coordinator, "/staff/triage")
    clock.advance(days=2, minutes=1)
    later = staff_client(flooded, login_as, make_staff("admin"))
    assert "Recent spam decisions" not in text_of(later.get("/staff/triage"))
    later.post(undo[1], data={"csrf_token": csrf_token(later, "/staff/triage")})
    assert [s for s in states(flooded)[2:6]] == [("check", "closed", "spam")] * 4
    assert token


def test_groups_are_named_in_paris_time_and_by_network_number(
    flooded: Flask,  # noqa: F811
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    flood(flooded)
    coordinator = staff_client(flooded, login_as, make_staff("admin"))
    by_time = visible(coordinator.get("/staff/triage?by=time"))
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", by_time)
    day = r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d+ \w+"
    assert re.search(day + r", \d\d:\d0–\d\d:\d0", by_time)
    by_network = visible(coordinator.get("/staff/triage?by=network"))
    assert "network 1" in by_network and "network 2" in by_network
    assert not re.search(r"\b[0-9a-f]{16}\b", by_network)
