"""Her code does more than cancel: the state of her request in words, her safe days, times and
last day changed (seen in the back office, audited), or the request cancelled; every answer says
plainly what happened, and a wrong code answers like any wrong code, a few times an hour."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import LoginAs, MakeApp, MakeStaff, Submit
from helpers.web import csrf_token, found_in
from sqlalchemy import select, update

from portal.casework.windows import window_mask
from portal.core import db
from portal.models import AuditEvent, CallbackRequest

CODE_RE = re.compile(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>')


def code_of(client: Any, submit: Any, path: str = "/en/") -> str:
    page = client.get(submit(path=path).headers["Location"]).get_data(as_text=True)
    return found_in(CODE_RE, page)


def post(client: Any, lang: str = "en", **data: Any) -> Any:
    path = f"/{lang}/cancel"
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def set_fields(app: Flask, **fields: Any) -> None:
    with app.app_context():
        db.session().execute(update(CallbackRequest).values(**fields))
        db.session().commit()


def test_the_state_is_said_in_words(app: Flask, client: FlaskClient, submit: Submit) -> None:
    code = code_of(client, submit)
    opened = post(client, code=code)
    assert opened.status_code == 200
    assert "Waiting: nobody has called you yet." in text(opened)
    assert code not in text(opened)  # shown once, on the confirmation only
    set_fields(app, attempt_count=1, status="in_progress")
    assert "A first call attempt has been made." in text(post(client, code=code))
    set_fields(app, status="closed")
    closed = text(post(client, code=code))
    assert "Closed: we will not call you about this request." in closed
    assert 'value="change"' not in closed and 'value="cancel"' not in closed


def test_the_code_never_travels_in_an_address(client: FlaskClient, submit: Submit) -> None:
    code = code_of(client, submit)
    opened = post(client, code=code)
    assert "Location" not in opened.headers
    changed = post(client, step="change", windows=["08:00-10:00"])
    assert changed.status_code == 200 and "Location" not in changed.headers


def test_changing_days_times_and_last_day(
    app: Flask, client: FlaskClient, submit: Submit, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    post(client, code=code_of(client, submit))
    last_day = dt.date.today() + dt.timedelta(days=30)
    response = post(
        client,
        step="change",
        windows=["08:00-10:00", "17:00-20:00"],
        days=["5", "6"],
        no_call_after=last_day.isoformat(),
    )
    assert response.status_code == 200
    assert "Your changes are saved. We will only call you at these times." in text(response)
    with app.app_context():
        stored = db.session().scalars(select(CallbackRequest)).one()
        assert stored.safe_windows == ["08:00-10:00", "17:00-20:00"]
        assert stored.safe_days == [5, 6]
        assert stored.window_mask == window_mask(["08:00-10:00", "17:00-20:00"], [5, 6])
        assert stored.do_not_call_after == last_day
        events = db.session().scalars(
            select(AuditEvent).where(AuditEvent.target == f"request:{stored.id}")
        )
        assert "request.changed_by_person" in [e.action for e in events]
        request_id = stored.id
    staff = app.test_client()
    staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_as(staff, make_staff("admin"))
    page = text(staff.get(f"/staff/requests/{request_id}"))
    assert "Saturday, Sunday" in page
    assert "8:00 AM" in page or "08:00" in page


def test_a_change_with_no_window_is_refused_in_place(
    app: Flask, client: FlaskClient, submit: Submit
) -> None:
    post(client, code=code_of(client, submit))
    response = post(client, step="change", days=["1"])
    assert response.status_code == 400
    assert "Choose at least one time when it is safe to call you." in text(response)
    with app.app_context():
        stored = db.session().scalars(select(CallbackRequest)).one()
        assert stored.safe_days is None


def test_cancel_says_plainly_it_is_done(app: Flask, client: FlaskClient, submit: Submit) -> None:
    post(client, code=code_of(client, submit))
    response = post(client, step="cancel")
    assert "Your request is cancelled and its details are erased." in text(response)
    with app.app_context():
        stored = db.session().scalars(select(CallbackRequest)).one()
        assert stored.status == "cancelled" and stored.phone_enc is None
    # The opened request went with it: nothing more can be done from this browser.
    again = post(client, step="change", windows=["08:00-10:00"])
    assert "No open request has this code" in text(again)


def test_without_a_code_first_nothing_can_be_changed(
    app: Flask, client: FlaskClient, submit: Submit
) -> None:
    submit()
    other = app.test_client()
    response = post(other, step="cancel")
    assert "No open request has this code" in text(response)
    with app.app_context():
        assert db.session().scalars(select(CallbackRequest)).one().status == "new"


def test_wrong_codes_are_limited(make_app: MakeApp) -> None:
    app = make_app(CANCEL_LIMITS="3 per hour")
    client = app.test_client()
    answers = [post(client, code=f"ZZZZ-ZZZ{n}").status_code for n in range(2, 6)]
    assert answers == [200, 200, 200, 429]
