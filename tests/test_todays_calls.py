"""'My calls today': her planned calls and the safe windows left today of the requests she holds,
and nothing of a colleague's or of a request past its last day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask
from helpers.factories import new_request
from helpers.staff import StaffAccount, act, staff_client
from helpers.web import text_of

from portal.casework.windows import SLOTS
from portal.core import db
from portal.core.timezone import PARIS
from portal.models import CallbackRequest, utcnow


def reference(app: Flask, request_id: int) -> str:
    with app.app_context():
        found = db.session().get(CallbackRequest, request_id)
        assert found is not None
        return found.reference


def test_my_calls_today_lists_her_planned_calls_and_safe_windows(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    marie = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"], username="marie"))
    sophie = staff_client(
        app, login_as, make_staff("intervenant", ["st-etienne"], username="sophie")
    )
    planned, windows, colleagues, too_late = (
        new_request(app, safe_windows=list(SLOTS)) for _n in range(4)
    )
    for request_id in (planned, windows, too_late):
        assert act(marie, request_id, "take").status_code == 303
    assert act(sophie, colleagues, "take").status_code == 303
    with app.app_context():
        soon = utcnow() + dt.timedelta(minutes=5)
        first = db.session().get(CallbackRequest, planned)
        last_day = db.session().get(CallbackRequest, too_late)
        assert first is not None and last_day is not None
        first.next_attempt_at = soon
        last_day.do_not_call_after = dt.datetime.now(PARIS).date() - dt.timedelta(days=1)
        db.session().commit()
    page = text_of(marie.get("/staff/today"))
    assert "<title>My calls today" in page
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    planned_rows = [r for r in rows if reference(app, planned) in r and "Planned call" in r]
    if soon.replace(tzinfo=dt.UTC).astimezone(PARIS).date() == dt.datetime.now(PARIS).date():
        assert len(planned_rows) == 1
    assert any(reference(app, windows) in r and "Safe window" in r for r in rows)
    table = "".join(rows)
    assert reference(app, colleagues) not in table
    assert reference(app, too_late) not in table
    assert 'href="/staff/today"' in text_of(marie.get("/staff/"))
