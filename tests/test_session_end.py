"""The session's end loses nothing: a warning and a way to stay signed in on every page, and a
form sent after the idle limit comes back filled in after the next login, unsaved."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request
from helpers.staff import (
    Clock,
    StaffAccount,
    act,
    in_english,
    post_login,
    state,
)
from helpers.web import csrf_token, hidden_value, text_of

from portal.core import db
from portal.models import CallAttempt, StaffDraft

NOTE = "Interprète en arabe réservé, rappeler après 17 h"


def worker_on_request(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> tuple[StaffAccount, FlaskClient, int, str]:
    """A social worker logged in, on the page of a request she holds."""
    worker = make_staff("intervenant", ["st-etienne"], username="marie")
    client = in_english(app.test_client())
    login_as(client, worker)
    request_id = new_request(app)
    assert act(client, request_id, "take").status_code == 303
    page = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    return worker, client, request_id, page


def test_an_attempt_sent_after_the_idle_limit_is_back_after_login_and_not_saved(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
    clock: Clock,
) -> None:
    worker, client, request_id, page = worker_on_request(app, make_staff, login_as)
    before = state(app, request_id)
    clock.advance(minutes=16)  # a long call with an interpreter
    sent = act(client, request_id, "attempt", page=page, outcome="no_answer", note=NOTE)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/staff/login")
    login_page = text_of(client.get("/staff/login"))
    assert "Your session ended after 15 minutes without activity" in login_page
    assert "What you typed was kept but not saved" in login_page
    assert state(app, request_id) == before
    with app.app_context():
        assert db.session().query(CallAttempt).count() == 0
        [draft] = db.session().query(StaffDraft).all()
        assert draft.staff_id == worker.id
        assert NOTE not in draft.data_enc and "arabe" not in draft.data_enc

    back = post_login(client, worker.username, worker.password, worker.code())
    assert back.status_code == 303
    assert back.headers["Location"] == f"/staff/requests/{request_id}"  # nothing in the address
    shown = client.get(back.headers["Location"]).get_data(as_text=True)
    assert "Not saved yet." in text_of(client.get(back.headers["Location"]))
    assert NOTE in text_of_textarea(shown, "attempt-note")
    [chosen] = re.findall(r'<input[^>]*name="attempt-outcome"[^>]*>', shown)[:1] and [
        tag for tag in re.findall(r"<input[^>]*>", shown) if "checked" in tag and "outcome" in tag
    ]
    assert 'value="no_answer"' in chosen
    assert state(app, request_id) == before  # shown, still not saved

    saved = act(client, request_id, "attempt", page=shown, outcome="no_answer", note=NOTE)
    assert saved.status_code == 303
    assert state(app, request_id)["attempt_count"] == 1
    assert "Not saved yet." not in text_of(client.get(f"/staff/requests/{request_id}"))
    with app.app_context():
        assert db.session().query(StaffDraft).count() == 0


def text_of_textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found is not None, f"no textarea {name}"
    return html.unescape(found[1])


def test_a_closing_kept_across_the_login_still_asks_for_confirmation(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
    clock: Clock,
) -> None:
    worker, client, request_id, page = worker_on_request(app, make_staff, login_as)
    clock.advance(minutes=16)
    act(client, request_id, "close", page=page, outcome="reached", known="no", note=NOTE)
    clock.advance(seconds=31)
    back = post_login(client, worker.username, worker.password, worker.code())
    assert back.headers["Location"] == f"/staff/requests/{request_id}"
    shown = client.get(back.headers["Location"]).get_data(as_text=True)
    assert NOTE in text_of_textarea(shown, "close-note")
    assert state(app, request_id)["status"] == "in_progress"


def test_what_was_kept_is_for_her_alone_and_short_lived(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
    clock: Clock,
) -> None:
    worker, client, request_id, page = worker_on_request(app, make_staff, login_as)
    clock.advance(minutes=16)
    act(client, request_id, "attempt", page=page, outcome="no_answer", note=NOTE)
    colleague = make_staff("intervenant", ["st-etienne"], username="sophie")
    other = in_english(app.test_client())
    login_as(other, colleague)
    assert NOTE not in text_of(other.get(f"/staff/requests/{request_id}"))
    clock.advance(minutes=61)
    back = post_login(client, worker.username, worker.password, worker.code())
    assert back.headers["Location"] == "/staff/"
    assert NOTE not in text_of(client.get(f"/staff/requests/{request_id}"))


def test_every_page_says_when_the_session_ends_and_stay_signed_in_keeps_it(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
    clock: Clock,
) -> None:
    worker, client, request_id, page = worker_on_request(app, make_staff, login_as)
    assert "Without activity, your session ends at" in html.unescape(page)
    assert "Stay signed in" in page
    clock.advance(minutes=14)
    kept = client.post(
        "/staff/session/keep",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "next": f"/staff/requests/{request_id}",
        },
    )
    assert kept.status_code == 303 and kept.headers["Location"] == f"/staff/requests/{request_id}"
    clock.advance(minutes=14)
    assert client.get("/staff/").status_code == 200
    away = client.post(
        "/staff/session/keep",
        data={"csrf_token": csrf_token(client, "/staff/"), "next": "//elsewhere.example/"},
    )
    assert away.headers["Location"] == "/staff/"


def test_a_failed_login_keeps_the_username(
    app: Flask, make_staff: Callable[..., StaffAccount]
) -> None:
    worker = make_staff("intervenant", ["st-etienne"], username="marie.durand")
    client = in_english(app.test_client())
    refused = post_login(client, "marie.durand", "not her password", worker.code())
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert re.search(r'<input[^>]*name="username"[^>]*value="marie.durand"', page)
    assert "not her password" not in page
