"""Two social workers act on the same request at the same moment: one wins, the other is told.

Through the web on every backend (both load the page, both send with the version they saw), and
with real concurrent transactions on PostgreSQL (two sessions that both read before either writes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request
from helpers.fixture_types import LoginAs, MakeStaff
from helpers.settings import needs_postgres
from helpers.staff import StaffAccount, act, staff_client, state
from helpers.web import hidden_value, text_of
from sqlalchemy import select

from portal.casework import transitions
from portal.core import db
from portal.models import AuditEvent, CallAttempt, CallbackRequest, StaffUser

Browsers = tuple[FlaskClient, FlaskClient, StaffAccount, StaffAccount]


@pytest.fixture
def two_workers(app: Flask, make_staff: MakeStaff, login_as: LoginAs) -> Browsers:
    """Two social workers of Saint-Étienne, each logged in in their own browser."""
    alice = make_staff("intervenant", ["st-etienne"], username="alice")
    bruno = make_staff("intervenant", ["st-etienne"], username="bruno")
    return staff_client(app, login_as, alice), staff_client(app, login_as, bruno), alice, bruno


def attempts_of(app: Flask, request_id: int) -> list[str]:
    with app.app_context():
        query = select(CallAttempt.outcome).where(CallAttempt.request_id == request_id)
        return list(db.session().scalars(query))


def test_both_take_at_once_one_is_told_who_has_it(app: Flask, two_workers: Browsers) -> None:
    alice_client, bruno_client, alice, _ = two_workers
    request_id = new_request(app)
    alice_page = alice_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    bruno_page = bruno_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert hidden_value(alice_page, "take-version") == hidden_value(bruno_page, "take-version")
    assert act(alice_client, request_id, "take", page=alice_page).status_code == 303
    late = act(bruno_client, request_id, "take", page=bruno_page)
    assert late.status_code == 409
    page = text_of(late)
    assert "Someone else changed this request a moment ago" in page
    assert "alice" in page  # the fresh state names who holds it now
    after = state(app, request_id)
    assert (after["assigned_to_id"], after["version"]) == (alice.id, 2)


def test_an_attempt_and_a_close_at_once_lose_nothing(app: Flask, two_workers: Browsers) -> None:
    alice_client, bruno_client, _, _ = two_workers
    request_id = new_request(app)
    alice_page = alice_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    bruno_page = bruno_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    first = act(
        alice_client,
        request_id,
        "attempt",
        page=alice_page,
        outcome="reached",
        note="Elle rappellera",
    )
    assert first.status_code == 303
    late = act(
        bruno_client, request_id, "close", page=bruno_page, outcome="unreachable", known="no"
    )
    assert late.status_code == 409
    assert "Reached the person" in text_of(late)
    after = state(app, request_id)
    assert (after["status"], after["attempt_count"], after["outcome"]) == ("in_progress", 1, None)
    assert attempts_of(app, request_id) == ["reached"]


def test_the_conflict_page_acts_on_the_fresh_state(app: Flask, two_workers: Browsers) -> None:
    alice_client, bruno_client, _, _ = two_workers
    request_id = new_request(app)
    bruno_page = bruno_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    act(alice_client, request_id, "attempt", outcome="no_answer")
    late = act(
        bruno_client, request_id, "close", page=bruno_page, outcome="unreachable", known="no"
    )
    assert late.status_code == 409
    fresh_page = late.get_data(as_text=True)
    assert hidden_value(fresh_page, "close-version") == str(state(app, request_id)["version"])
    again = act(
        bruno_client, request_id, "close", page=fresh_page, outcome="unreachable", known="no"
    )
    assert again.status_code == 303
    assert state(app, request_id)["status"] == "closed"
    assert attempts_of(app, request_id) == ["no_answer"]


def test_a_close_then_a_late_attempt_adds_no_attempt(app: Flask, two_workers: Browsers) -> None:
    alice_client, bruno_client, _, _ = two_workers
    request_id = new_request(app)
    alice_page = alice_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    bruno_page = bruno_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    closing = act(
        alice_client, request_id, "close", page=alice_page, outcome="oriented", known="yes"
    )
    assert closing.status_code == 303
    late = act(bruno_client, request_id, "attempt", page=bruno_page, outcome="no_answer")
    assert late.status_code == 409
    assert state(app, request_id)["status"] == "closed"
    assert attempts_of(app, request_id) == []


def run_together(app: Flask, request_id: int, actions: list[Callable[..., None]]) -> list[str]:
    """Run each action in its own thread and transaction, all reading before any writes.

    Returns what happened to each: "done" or "conflict" (anything else is an error's name).
    """
    barrier = threading.Barrier(len(actions), timeout=10)
    results = ["not run"] * len(actions)

    def worker(index: int, action: Callable[..., None]) -> None:
        with app.app_context():
            session = db.session()
            request = session.get(CallbackRequest, request_id)
            actor = session.scalars(select(StaffUser).order_by(StaffUser.id)).all()[index]
            assert request is not None
            version = request.version
            barrier.wait()
            try:
                action(request, actor, version)
                transitions.commit_action()
                results[index] = "done"
            except transitions.Conflict:
                results[index] = "conflict"
            except Exception as exc:  # reported, so that the test says what went wrong
                session.rollback()
                results[index] = type(exc).__name__

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def take(request: CallbackRequest, actor: StaffUser, version: int) -> None:
    transitions.take(request, actor, version)


def attempt(request: CallbackRequest, actor: StaffUser, version: int) -> None:
    transitions.log_attempt(request, actor, "reached", "Rappel convenu", version)


def close(request: CallbackRequest, actor: StaffUser, version: int) -> None:
    transitions.close(request, actor, "unreachable", "unknown", version)


@needs_postgres()
@pytest.mark.parametrize(
    ("first", "second"), [(take, take), (attempt, close), (close, attempt), (attempt, attempt)]
)
def test_concurrent_transactions_one_commits_the_other_conflicts(
    app: Flask,
    make_staff: MakeStaff,
    first: Callable[..., None],
    second: Callable[..., None],
) -> None:
    make_staff("intervenant", ["st-etienne"], username="alice")
    make_staff("intervenant", ["st-etienne"], username="bruno")
    request_id = new_request(app)
    results = run_together(app, request_id, [first, second])
    assert sorted(results) == ["conflict", "done"]
    winner = [first, second][results.index("done")]
    after = state(app, request_id)
    assert after["version"] == 2
    expected_attempts = ["reached"] if winner is attempt else []
    assert attempts_of(app, request_id) == expected_attempts
    expected_status = "closed" if winner is close else "in_progress"
    assert after["status"] == expected_status
    with app.app_context():
        query = select(AuditEvent.action).where(AuditEvent.target == f"request:{request_id}")
        assert list(db.session().scalars(query)) == [f"request.{winner.__name__}"]
