"""What a social worker does with a request, through the request page as she would.

Every action is allowed only from the states that make sense; a refused action changes nothing
and says why; every action and every reading of the page leaves an audit event.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request, store_request, stored_row
from helpers.fixture_types import LoginAs, MakeStaff
from helpers.staff import StaffAccount, act, audit_actions, in_english, staff_client, state
from helpers.web import hidden_value, text_of
from sqlalchemy import select

from portal.casework import transitions
from portal.core import db
from portal.core.timezone import PARIS
from portal.intake import callbacks
from portal.models import (
    AttemptOutcome,
    CallAttempt,
    CallbackRequest,
    KnownToServices,
    Outcome,
    StaffUser,
)


@pytest.fixture
def worker(
    app: Flask,
    client: FlaskClient,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> StaffAccount:
    """A social worker of Saint-Étienne, logged in on `client`."""
    account = make_staff("intervenant", ["st-etienne"])
    login_as(in_english(client), account)
    return account


def test_each_reading_of_the_page_shows_the_person_and_is_audited(
    app: Flask, client: FlaskClient, worker: StaffAccount
) -> None:
    request_id = new_request(app, name="Samira", message="Plutôt le matin")
    first = client.get(f"/staff/requests/{request_id}")
    assert first.status_code == 200
    page = text_of(first)
    assert "+33612341000" in page or re.search(r"\+3361234\d{4}", page)
    assert "Samira" in page and "Plutôt le matin" in page
    client.get(f"/staff/requests/{request_id}")
    assert audit_actions(app, request_id) == ["request.view", "request.view"]


def test_taking_a_request_makes_it_mine(
    app: Flask, client: FlaskClient, worker: StaffAccount
) -> None:
    request_id = new_request(app)
    response = act(client, request_id, "take")
    assert response.status_code == 303
    after = state(app, request_id)
    assert after["status"] == "in_progress" and after["assigned_to_id"] == worker.id
    assert after["version"] == 2
    assert "request.take" in audit_actions(app, request_id)
    page = text_of(client.get(f"/staff/requests/{request_id}"))
    assert "Give it back to the station's pool" in page


def test_release_gives_an_untouched_request_back_as_new(
    app: Flask, client: FlaskClient, worker: StaffAccount
) -> None:
    request_id = new_request(app)
    act(client, request_id, "take")
    assert act(client, request_id, "release").status_code == 303
    after = state(app, request_id)
    assert (after["status"], after["assigned_to_id"]) == ("new", None)
    assert "request.release" in audit_actions(app, request_id)


def test_release_after_an_attempt_keeps_it_in_progress_for_the_pool(
    app: Flask, client: FlaskClient, worker: StaffAccount
) -> None:
    request_id = new_request(app)
    act(client, request_id, "attempt", outcome="no_answer")
    assert act(client, request_id, "release").status_code == 303
    after = state(app, request_id)
    assert (after["status"], after["assigned_to_id"], after["attempt_count"]) == (
        "in_progress",
        None,
        1,
    )


def test_hand_over_to_a_colleague_of_the_station(
    app: Flask,
    client: FlaskClient,
    worker: StaffAccount,
    make_staff: MakeStaff,
) -> None:
    colleague = make_staff("intervenant", ["st-etienne", "firminy"], username="colleague")
    elsewhere = make_staff("intervenant", ["roanne"], username="elsewhere")
    request_id = new_request(app)
    page = text_of(client.get(f"/staff/requests/{request_id}"))
    assert "colleague" in page and "elsewhere" not in page
    # A colleague who does not cover the station cannot be chosen, even by a tampered form.
    refused = act(client, request_id, "hand_over", colleague=str(elsewhere.id))
    assert refused.status_code == 400
    assert state(app, request_id)["assigned_to_id"] is None
    done = act(client, request_id, "hand_over", colleague=str(colleague.id))
    assert done.status_code == 303
    after = state(app, request_id)
    assert (after["status"], after["assigned_to_id"]) == ("in_progress", colleague.id)
    assert "request.hand_over" in audit_actions(app, request_id)


@pytest.mark.parametrize("outcome", [o.value for o in AttemptOutcome])
def test_an_attempt_is_recorded_with_its_outcome(
    app: Flask, client: FlaskClient, worker: StaffAccount, outcome: str
) -> None:
    request_id = new_request(app)
    response = act(client, request_id, "attempt", outcome=outcome, note="Voix d'homme au fond")
    assert response.status_code == 303
    after = state(app, request_id)
    assert after["status"] == "in_progress"
    assert after["attempt_count"] == 1 and after["assigned_to_id"] == worker.id
    with app.app_context():
        attempt = db.session().scalars(select(CallAttempt)).one()
        assert attempt.outcome == outcome and attempt.staff_id == worker.id
        assert "homme" not in (attempt.note_enc or "")  # the note is stored encrypted
    page = text_of(client.get(f"/staff/requests/{request_id}"))
    assert "Voix d'homme au fond" in page
    assert "request.attempt" in audit_actions(app, request_id)


# Monday 8 June 2026, 09:00 in Paris.
MONDAY_MORNING = dt.datetime(2026, 6, 8, 9, 0, tzinfo=PARIS)


@pytest.fixture
def monday_worker(
    app: Flask,
    client: FlaskClient,
    time_machine: Any,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> StaffAccount:
    time_machine.move_to(MONDAY_MORNING, tick=False)
    account = make_staff("intervenant", ["st-etienne"])
    login_as(in_english(client), account)
    return account


def test_schedule_inside_a_safe_window(
    app: Flask, client: FlaskClient, monday_worker: StaffAccount
) -> None:
    request_id = new_request(app, safe_windows=["10:00-12:00"])
    response = act(client, request_id, "schedule", when="2026-06-09T10:30")
    assert response.status_code == 303
    after = state(app, request_id)
    # 10:30 in Paris in June is 08:30 UTC.
    assert after["next_attempt_at"] == dt.datetime(2026, 6, 9, 8, 30)
    assert after["status"] == "in_progress" and after["assigned_to_id"] == monday_worker.id
    assert "request.schedule" in audit_actions(app, request_id)
    queue = text_of(client.get("/staff/"))
    assert "Call planned: tomorrow 10:30" in queue
    assert "Next safe window" not in queue  # the planned call lies in one: one answer, not two


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("2026-06-09T13:00", "This time is outside the person's safe windows."),
        ("2026-06-08T08:30", "Choose a time in the future."),
        ("2026-06-20T10:30", "The person asked not to be called after that date."),
        ("next tuesday", "Not a valid datetime value."),
    ],
)
def test_schedule_refused_with_a_reason(
    app: Flask, client: FlaskClient, monday_worker: StaffAccount, when: str, message: str
) -> None:
    request_id = new_request(
        app, safe_windows=["08:00-10:00", "10:00-12:00"], do_not_call_after=dt.date(2026, 6, 15)
    )
    before = state(app, request_id)
    response = act(client, request_id, "schedule", when=when)
    assert response.status_code == 400
    assert message in text_of(response)
    assert state(app, request_id) == before
    assert "request.schedule" not in audit_actions(app, request_id)


CLOSINGS = list(
    zip([o.value for o in Outcome], itertools.cycle([k.value for k in KnownToServices]))
)


@pytest.mark.parametrize(("outcome", "known"), CLOSINGS)
def test_close_with_each_outcome(
    app: Flask, client: FlaskClient, worker: StaffAccount, outcome: str, known: str
) -> None:
    request_id = new_request(app)
    response = act(client, request_id, "close", outcome=outcome, known=known)
    assert response.status_code == 303
    after = state(app, request_id)
    assert (after["status"], after["outcome"], after["known_to_services"]) == (
        "closed",
        outcome,
        known,
    )
    assert after["closed_at"] is not None
    assert "request.close" in audit_actions(app, request_id)
    page = text_of(client.get(f"/staff/requests/{request_id}"))
    assert "Close the request" not in page and "Reopen" not in page


def test_every_closing_answer_is_offered() -> None:
    closings = {known for _, known in CLOSINGS}
    assert closings == {k.value for k in KnownToServices}


def closed_request(app: Flask, client: FlaskClient, attempts: int = 0) -> int:
    request_id = new_request(app)
    for _ in range(attempts):
        act(client, request_id, "attempt", outcome="no_answer")
    act(client, request_id, "close", outcome="unreachable", known="unknown")
    assert state(app, request_id)["status"] == "closed"
    return request_id


@pytest.mark.parametrize(("attempts", "status"), [(0, "new"), (2, "in_progress")])
def test_a_coordinator_reopens_a_closed_request(
    app: Flask,
    client: FlaskClient,
    worker: StaffAccount,
    time_machine: Any,
    make_staff: MakeStaff,
    login_as: LoginAs,
    attempts: int,
    status: str,
) -> None:
    request_id = closed_request(app, client, attempts)
    admin = make_staff("admin")
    coordinator = staff_client(app, login_as, admin)
    page = text_of(coordinator.get(f"/staff/requests/{request_id}"))
    assert "Reopen" in page
    assert act(coordinator, request_id, "reopen").status_code == 303
    after = state(app, request_id)
    assert (after["status"], after["outcome"], after["closed_at"]) == (status, None, None)
    assert "request.reopen" in audit_actions(app, request_id)


def test_a_social_worker_cannot_reopen(
    app: Flask, client: FlaskClient, worker: StaffAccount
) -> None:
    request_id = closed_request(app, client)
    before = state(app, request_id)
    response = act(client, request_id, "reopen", version=before["version"])
    assert response.status_code == 400
    assert "Only a coordinator can reopen a request." in text_of(response)
    assert state(app, request_id) == before


def test_an_erased_request_cannot_be_reopened(
    app: Flask,
    client: FlaskClient,
    worker: StaffAccount,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    request_id = closed_request(app, client)
    with app.app_context():
        callbacks.erase_personal_data(stored_row(CallbackRequest, request_id))
        db.session().commit()
    before = state(app, request_id)
    coordinator = staff_client(app, login_as, make_staff("admin"))
    page = coordinator.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Reopen" not in page  # not offered, and refused when sent anyway
    response = act(coordinator, request_id, "reopen", version=before["version"], page=page)
    assert response.status_code == 400
    assert "personal data was erased" in text_of(response)
    assert state(app, request_id) == before
    assert "Erased" in text_of(response)


def cancelled_request(app: Flask) -> int:
    """A request its author cancelled with her code, as from the public cancel page."""
    submitted = store_request(app, safe_windows=["10:00-12:00"], name=None, message=None)
    with app.app_context():
        assert callbacks.cancel_request(submitted.cancel_code)
        db.session().commit()
        return submitted.request_id or 0


WRONG = "This cannot be done to a request in its current state."


@pytest.mark.parametrize(
    ("setup", "action", "fields", "message"),
    [
        ("closed", "attempt", {"outcome": "reached"}, WRONG),
        ("closed", "take", {}, WRONG),
        ("closed", "schedule", {"when": "2030-01-01T10:30"}, WRONG),
        ("closed", "hand_over", {"colleague": "0"}, None),
        ("closed", "close", {"outcome": "accompanied", "known": "yes"}, WRONG),
        ("cancelled", "close", {"outcome": "accompanied", "known": "yes"}, WRONG),
        ("cancelled", "attempt", {"outcome": "reached"}, WRONG),
        ("new", "release", {}, WRONG),
        ("new", "attempt", {"outcome": "picked up"}, "Not a valid choice"),
        ("new", "attempt", {}, "Choose what happened."),
        ("new", "close", {"outcome": "forgotten", "known": "yes"}, "Not a valid choice"),
        ("new", "close", {"outcome": "accompanied", "known": "perhaps"}, "Not a valid choice"),
    ],
)
def test_a_wrong_action_is_refused_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    worker: StaffAccount,
    setup: str,
    action: str,
    fields: dict[str, str],
    message: str | None,
) -> None:
    if setup == "closed":
        request_id = closed_request(app, client)
    elif setup == "cancelled":
        request_id = cancelled_request(app)
    else:
        request_id = new_request(app)
    before = state(app, request_id)
    audited = audit_actions(app, request_id)
    response = act(client, request_id, action, version=before["version"], **fields)
    assert response.status_code == 400
    if message:
        assert message in text_of(response)
    assert state(app, request_id) == before
    new_events = audit_actions(app, request_id)[len(audited) :]
    assert f"request.{action}" not in new_events
    with app.app_context():
        assert db.session().scalars(select(CallAttempt)).all() == [] or setup == "closed"


def test_a_stale_version_is_refused_with_the_fresh_state(
    app: Flask, client: FlaskClient, worker: StaffAccount
) -> None:
    request_id = new_request(app)
    act(client, request_id, "attempt", outcome="no_answer")
    before = state(app, request_id)
    response = act(client, request_id, "close", version=1, outcome="spam", known="no")
    assert response.status_code == 409
    page = text_of(response)
    assert "Someone else changed this request a moment ago" in page
    assert "No answer" in page  # the fresh state, with the attempt made since
    assert state(app, request_id) == before


def test_a_request_held_by_a_colleague_cannot_be_taken(
    app: Flask,
    client: FlaskClient,
    worker: StaffAccount,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    request_id = new_request(app)
    account = make_staff("intervenant", ["st-etienne"], username="colleague")
    colleague = staff_client(app, login_as, account)
    act(colleague, request_id, "take")
    before = state(app, request_id)
    page = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Take this request" not in page  # not offered, and refused when sent anyway
    response = act(client, request_id, "take", version=before["version"], page=page)
    assert response.status_code == 400
    assert "A colleague holds this request" in text_of(response)
    assert state(app, request_id) == before


def test_another_stations_request_is_out_of_reach(
    app: Flask, client: FlaskClient, worker: StaffAccount
) -> None:
    request_id = new_request(app, station="roanne")
    assert client.get(f"/staff/requests/{request_id}").status_code == 404
    before = state(app, request_id)
    page = client.get("/staff/").get_data(as_text=True)
    response = act(client, request_id, "take", version=1, page=page)
    assert response.status_code == 404
    assert state(app, request_id) == before
    assert audit_actions(app, request_id) == []


@pytest.mark.parametrize(("action", "fields"), [("release", {}), ("hand_over", {"colleague": ""})])
def test_only_the_holder_or_a_coordinator_gives_a_request_away(
    app: Flask,
    client: FlaskClient,
    worker: StaffAccount,
    make_staff: MakeStaff,
    login_as: LoginAs,
    action: str,
    fields: dict[str, str],
) -> None:
    request_id = new_request(app)
    holder_account = make_staff("intervenant", ["st-etienne"], username="holder")
    holder = staff_client(app, login_as, holder_account)
    act(holder, request_id, "take")
    if action == "hand_over":  # to a third colleague, behind the holder's back
        third = make_staff("intervenant", ["st-etienne"], username="third")
        fields = {"colleague": str(third.id)}
    before = state(app, request_id)
    response = act(client, request_id, action, version=before["version"], **fields)
    assert response.status_code == 400
    assert "A colleague holds this request" in text_of(response)
    assert state(app, request_id) == before
    coordinator = staff_client(app, login_as, make_staff("admin"))
    assert act(coordinator, request_id, "release", version=before["version"]).status_code == 303
    assert state(app, request_id)["assigned_to_id"] is None


@pytest.mark.parametrize("version", ["abc", "", "99999999999999999999"])
def test_a_damaged_version_is_refused_with_the_current_state(
    app: Flask, client: FlaskClient, worker: StaffAccount, version: str
) -> None:
    request_id = new_request(app)
    before = state(app, request_id)
    response = act(client, request_id, "take", version=version)
    assert response.status_code in (400, 409)
    assert "Here is the request's current state" in text_of(response) or (
        "Someone else changed this request" in text_of(response)
    )
    assert hidden_value(response.get_data(as_text=True), "take-version") == str(before["version"])
    assert state(app, request_id) == before


def test_the_last_day_is_a_paris_day_whatever_the_zone_of_the_time(
    app: Flask, time_machine: Any, make_staff: MakeStaff
) -> None:
    time_machine.move_to(MONDAY_MORNING, tick=False)
    account = make_staff("intervenant", ["st-etienne"])
    request_id = new_request(
        app, safe_windows=["22:00-08:00"], do_not_call_after=dt.date(2026, 6, 15)
    )
    # 22:30 UTC on the 15th is 00:30 on the 16th in Paris: after the last day.
    late = dt.datetime(2026, 6, 15, 22, 30, tzinfo=dt.UTC)
    with app.app_context():
        request = stored_row(CallbackRequest, request_id)
        actor = stored_row(StaffUser, account.id)
        assert request is not None and actor is not None
        with pytest.raises(transitions.CaseworkError) as refused:
            transitions.schedule(request, actor, late, request.version)
        assert refused.value.code == "after_last_day"
        transitions.schedule(request, actor, late - dt.timedelta(hours=1), request.version)
        transitions.commit_action()
    assert state(app, request_id)["next_attempt_at"] == dt.datetime(2026, 6, 15, 21, 30)
