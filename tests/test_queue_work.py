"""A working day on the queue: finding a request, one's own requests, the risk flag, closing on
purpose, readable references and numbers, and the first call overdue in working hours."""
# ruff: noqa: F811  (the queue's fixtures, imported from its tests, are parameters here)

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import stored_row
from helpers.fixture_types import LoginAs, LookAt, MakeApp, MakeStaff, SendAt
from helpers.staff import (
    STAFF_PASSWORD,
    StaffAccount,
    act,
    audit_actions,
    staff_password_hash,
    state,
)
from helpers.web import csrf_of, rows, text_of
from test_queue import LOOK_AT, look, send_at  # noqa: F401  (fixtures)

from portal.casework import working_hours
from portal.core import db
from portal.core.phone_numbers import display_phone, parse_phone, tel_uri
from portal.core.timezone import PARIS
from portal.intake import callbacks, references
from portal.models import CallbackRequest

NUMBER = "+33758112233"


def queue_text(client: FlaskClient, query: str = "") -> dict[int, str]:
    response = client.get(f"/staff/{query}")
    assert response.status_code == 200
    return dict(rows(response.get_data(as_text=True)))


def search(client: FlaskClient, typed: str) -> Any:
    """Type into the search box and send it (by POST: a number stays out of the address)."""
    token = csrf_of(client.get("/staff/").get_data(as_text=True))
    return client.post("/staff/search", data={"q": typed, "csrf_token": token})


def found(client: FlaskClient, typed: str) -> list[int]:
    response = search(client, typed)
    assert response.status_code == 200
    return [ident for ident, _ in rows(response.get_data(as_text=True))]


def test_search_finds_a_number_however_it_is_typed(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    mine = send_at(LOOK_AT - dt.timedelta(hours=2), phone=NUMBER)
    send_at(LOOK_AT - dt.timedelta(hours=1))
    send_at(LOOK_AT - dt.timedelta(hours=1), phone=NUMBER, station="roanne")
    worker = look(make_staff("intervenant", ["st-etienne"]))
    assert 'method="post" action="/staff/search"' in text_of(worker.get("/staff/"))
    for typed in ("07 58 11 22 33", "0758112233", "+33 7 58 11 22 33", "0033 7.58.11.22.33"):
        # Not the other number, not another station's request from the same number.
        assert found(worker, typed) == [mine], typed


def test_search_by_reference_ignores_case_spaces_and_dashes(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    wanted = send_at(LOOK_AT - dt.timedelta(hours=2))
    send_at(LOOK_AT - dt.timedelta(hours=1))
    reference = state_reference(app, wanted)
    assert re.fullmatch(
        r"[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]", reference
    )
    worker = look(make_staff("intervenant", ["st-etienne"]))
    typed = reference.replace("-", " ").lower()
    assert found(worker, typed) == [wanted]
    assert "No request found" in text_of(search(worker, "nothing-like-it"))
    assert search(worker, "").status_code == 400


def test_an_older_reference_is_still_found(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    older = send_at(LOOK_AT - dt.timedelta(hours=2))
    with app.app_context():
        stored_row(CallbackRequest, older).reference = "R273FZ8TZ"
        db.session().commit()
    worker = look(make_staff("intervenant", ["st-etienne"]))
    assert found(worker, "r273-fz8tz") == [older]


def state_reference(app: Flask, request_id: int) -> str:
    with app.app_context():
        return stored_row(CallbackRequest, request_id).reference


def test_mine_shows_only_what_i_hold_and_the_filters_stay_in_the_address(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    mine = [send_at(LOOK_AT - dt.timedelta(hours=h)) for h in (3, 2)]
    theirs = send_at(LOOK_AT - dt.timedelta(hours=1))
    free = send_at(LOOK_AT - dt.timedelta(minutes=30))
    me = look(make_staff("intervenant", ["st-etienne"]))
    colleague = look(make_staff("intervenant", ["st-etienne"]))
    for ident in mine:
        assert act(me, ident, "take").status_code == 303
    assert act(colleague, theirs, "take").status_code == 303
    assert sorted(queue_text(me, "?mine=1")) == sorted(mine)
    assert free in queue_text(me)
    page = text_of(me.get("/staff/?mine=1&sort=newest"))
    assert 'name="mine" type="checkbox" value="1" checked' in page
    assert '<option value="newest" selected>' in page


def test_every_order_keeps_urgent_first(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    old = send_at(LOOK_AT - dt.timedelta(hours=5))
    urgent = send_at(LOOK_AT - dt.timedelta(hours=3), urgent=True, windows=["14:00-17:00"])
    new = send_at(LOOK_AT - dt.timedelta(hours=1))
    worker = look(make_staff("intervenant", ["st-etienne"]))
    assert list(queue_text(worker, "?sort=oldest")) == [urgent, old, new]
    assert list(queue_text(worker, "?sort=newest")) == [urgent, new, old]
    assert list(queue_text(worker, "?sort=nonsense")) == [urgent, old, new]


def test_someone_else_answered_raises_a_flag_until_an_intervenant_clears_it(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    request_id = send_at(
        LOOK_AT - dt.timedelta(hours=1), windows=["10:00-12:00", "17:00-20:00"], call_language="ar"
    )
    worker = look(make_staff("intervenant", ["st-etienne"]))
    answered = act(worker, request_id, "attempt", outcome="someone_else")
    assert answered.status_code == 303
    page = text_of(worker.get(answered.headers["Location"]))
    # Not again in this window: the next attempt is planned for the next one, and said so.
    assert "Call attempt logged: someone else answered." in page
    assert "Call planned: today 17:00" in page
    assert state(app, request_id)["next_attempt_at"] == dt.datetime(2026, 6, 9, 15, 0)
    row = queue_text(worker)[request_id]
    assert "Risk flag" in row and "Someone else answered" in row
    assert "Arabic" in row and "Interpreter needed" in row
    assert "Next safe window" not in row  # the planned call answers "when"
    # It stays through other attempts, until someone clears it.
    assert act(worker, request_id, "attempt", outcome="no_answer").status_code == 303
    assert "Risk flag" in queue_text(worker)[request_id]
    cleared = act(worker, request_id, "clear_risk")
    assert cleared.status_code == 303
    assert "Risk flag cleared" in text_of(worker.get(cleared.headers["Location"]))
    assert "Risk flag" not in queue_text(worker)[request_id]
    assert "request.clear_risk" in audit_actions(app, request_id)
    assert "Clear the risk flag" not in text_of(worker.get(f"/staff/requests/{request_id}"))


def test_a_no_answer_says_when_the_next_safe_window_opens(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    request_id = send_at(LOOK_AT - dt.timedelta(hours=1), windows=["17:00-20:00"])
    worker = look(make_staff("intervenant", ["st-etienne"]))
    done = act(worker, request_id, "attempt", outcome="no_answer")
    shown = text_of(worker.get(done.headers["Location"]))
    assert "Call attempt logged: no answer. Next safe window: today 17:00" in shown


def test_closing_asks_for_an_outcome_then_a_confirmation(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    request_id = send_at(LOOK_AT - dt.timedelta(hours=1))
    worker = look(make_staff("intervenant", ["st-etienne"]))
    page = text_of(worker.get(f"/staff/requests/{request_id}"))
    close_form = page.split('/close"', 1)[1].split("</form>", 1)[0]
    assert "checked" not in close_form  # no outcome chosen in advance
    before = state(app, request_id)
    refused = act(worker, request_id, "close", known="no")
    assert refused.status_code == 400 and "Choose how the request ended." in text_of(refused)
    asked = act(
        worker,
        request_id,
        "close",
        outcome="oriented",
        known="no",
        note="Vers le CIDFF",
        confirmed="",
    )
    assert asked.status_code == 200 and "Yes, close it" in text_of(asked)
    assert state(app, request_id) == before
    closed = act(worker, request_id, "close", outcome="oriented", known="no", note="Vers le CIDFF")
    assert closed.status_code == 303
    shown = text_of(worker.get(closed.headers["Location"]))
    assert "closed: oriented to partners" in shown and "Vers le CIDFF" in shown
    assert state(app, request_id)["outcome"] == "oriented"
    with app.app_context():
        stored = stored_row(CallbackRequest, request_id)
        assert stored.close_note_enc and "CIDFF" not in stored.close_note_enc


def test_numbers_are_shown_as_people_dial_them() -> None:
    # Groups joined by no-break spaces: a number never breaks across lines.
    assert display_phone("+33758112233") == "07\u00a058\u00a011\u00a022\u00a033"
    assert display_phone("+442079460958") == "+44\u00a020\u00a07946\u00a00958"
    assert tel_uri("07 58 11 22 33") == "tel:+33758112233"
    assert parse_phone("12") is None and parse_phone("x" * 100) is None
    assert references.lookup_key("k7m 2qx 9") == "K7M-2QX-9"
    assert references.lookup_key("K7M-2QX-0") is None  # 0 is never used: a mistyped O


def test_the_request_page_shows_the_number_for_tap_to_call(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    request_id = send_at(LOOK_AT - dt.timedelta(hours=1), phone=NUMBER)
    worker = look(make_staff("intervenant", ["st-etienne"]))
    page = worker.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    number = "07\u00a058\u00a011\u00a022\u00a033"
    assert f'<a href="tel:+33758112233"><bdi dir="ltr" class="phone">{number}</bdi></a>' in page


# Thursday 30 April 2026, 16:00: Friday 1 May is a public holiday, then a weekend.
BEFORE_THE_BRIDGE = dt.datetime(2026, 4, 30, 16, 0, tzinfo=PARIS)


def test_working_hours_leave_out_weekends_and_public_holidays() -> None:
    hours = working_hours.parse_hours("09:00-17:00")
    # One hour on Thursday; Friday (1 May), Saturday and Sunday count nothing; seven on Monday.
    deadline = working_hours.deadline_after(BEFORE_THE_BRIDGE, 8, hours)
    assert deadline == dt.datetime(2026, 5, 4, 16, 0, tzinfo=PARIS)
    monday_noon = dt.datetime(2026, 5, 4, 12, 0, tzinfo=PARIS)
    spent = working_hours.working_time_between(BEFORE_THE_BRIDGE, monday_noon, hours)
    assert spent == dt.timedelta(hours=4)
    assert working_hours.time_to_first_contact(BEFORE_THE_BRIDGE, None, hours) is None
    with pytest.raises(ValueError):
        working_hours.parse_hours("17:00-09:00")


def test_the_overdue_count_skips_the_weekend_and_the_holiday(
    make_app: MakeApp,
    time_machine: Any,
    make_staff_in: Callable[[Flask], OverdueScene],
) -> None:
    # Sessions long enough for a day that the clock jumps through.
    app = make_app(
        FIRST_CONTACT_HOURS=8,
        WORKING_HOURS="09:00-17:00",
        STAFF_IDLE_MINUTES=7 * 24 * 60,
        STAFF_ABSOLUTE_HOURS=7 * 24,
    )
    scene = make_staff_in(app)
    sent = scene.send
    # Before the long weekend; Friday evening; Monday morning; and one called in time.
    late = sent(BEFORE_THE_BRIDGE)
    friday = sent(dt.datetime(2026, 5, 1, 19, 0, tzinfo=PARIS))
    monday = sent(dt.datetime(2026, 5, 4, 9, 30, tzinfo=PARIS))
    called = sent(dt.datetime(2026, 4, 30, 15, 0, tzinfo=PARIS))
    worker = scene.worker(dt.datetime(2026, 5, 4, 10, 0, tzinfo=PARIS))
    assert act(worker, called, "attempt", outcome="no_answer").status_code == 303

    def overdue_at(when: dt.datetime) -> tuple[str, list[int]]:
        time_machine.move_to(when, tick=False)
        page = worker.get("/staff/").get_data(as_text=True)
        count = re.search(r"First contact overdue: <strong>(\d+)</strong>", page)
        assert count
        flagged = [i for i, row in rows(page) if "Overdue" in row]
        return count.group(1), flagged

    assert overdue_at(dt.datetime(2026, 5, 4, 15, 59, tzinfo=PARIS)) == ("0", [])
    assert overdue_at(dt.datetime(2026, 5, 4, 16, 1, tzinfo=PARIS)) == ("1", [late])
    # Friday's evening request counts from Monday 09:00: overdue once Monday's hours are spent.
    assert overdue_at(dt.datetime(2026, 5, 5, 9, 1, tzinfo=PARIS)) == ("2", [late, friday])
    assert overdue_at(dt.datetime(2026, 5, 5, 10, 31, tzinfo=PARIS))[0] == "3"
    assert monday and called


@dataclass(frozen=True)
class OverdueScene:
    """Requests sent at given moments, and a social worker logged in at a given moment."""

    send: Callable[[dt.datetime], int]
    worker: Callable[[dt.datetime], FlaskClient]


@pytest.fixture
def make_staff_in(time_machine: Any, login_as: LoginAs) -> Callable[[Flask], OverdueScene]:
    """Requests and a logged-in social worker for an app of the test's own configuration."""
    from portal.cli.demo_data import create_demo_stations
    from portal.core import crypto
    from portal.models import Station
    from portal.staff import accounts, auth

    def build(app: Flask) -> OverdueScene:
        with app.app_context():
            create_demo_stations()
            db.session().commit()
            station = db.session().query(Station).filter_by(code="st-etienne").one()
            station_id = station.id
        numbers = iter(range(1000, 9999))

        def send(when: dt.datetime) -> int:
            time_machine.move_to(when, tick=False)
            with app.app_context():
                details = callbacks.RequestDetails(
                    phone_e164=f"+3361230{next(numbers):04d}",
                    call_language="fr",
                    page_language="fr",
                    safe_windows=["10:00-12:00"],
                    station_id=station_id,
                )
                return callbacks.submit_request(details).request_id or 0

        def worker(when: dt.datetime) -> FlaskClient:
            time_machine.move_to(when, tick=False)
            secret = auth.new_totp_secret()
            with app.app_context():
                user = accounts.create_user("overdue.worker", "intervenant", ["st-etienne"])
                user.password_hash = staff_password_hash()
                user.totp_secret_enc = crypto.encrypt(secret)
                db.session().commit()
                account = StaffAccount(
                    user.id, user.username, "intervenant", STAFF_PASSWORD, secret
                )
            client = app.test_client()
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            login_as(client, account)
            return client

        return OverdueScene(send, worker)

    return build


def test_clearing_a_flag_is_offered_only_when_there_is_one(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    request_id = send_at(LOOK_AT - dt.timedelta(hours=1))
    worker = look(make_staff("intervenant", ["st-etienne"]))
    assert "Clear the risk flag" not in text_of(worker.get(f"/staff/requests/{request_id}"))
    before = state(app, request_id)
    forged = act(worker, request_id, "clear_risk", version=before["version"])
    assert forged.status_code == 400 and "cannot be done" in text_of(forged)
    assert state(app, request_id) == before
    assert "request.clear_risk" not in audit_actions(app, request_id)
