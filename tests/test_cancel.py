"""The confirmation page, shown once, and cancelling a request with its code: the right code
erases at once, a wrong one gets the very same answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import MakeApp, StoredRequests, Submit
from helpers.web import csrf_token, found_in
from werkzeug.test import TestResponse

from portal.core import crypto

CODE_RE = re.compile(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>')
TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"')


def sent_page(client: FlaskClient, submit: Submit, **fields: Any) -> str:
    response = submit(**fields)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return spaced(page.get_data(as_text=True))


def spaced(body: str) -> str:
    """The page with its no-break spaces read as spaces, to look for a number as people write it."""
    return body.replace("\u00a0", " ")


def cancel_code(client: FlaskClient, submit: Submit, **fields: Any) -> str:
    found = CODE_RE.search(sent_page(client, submit, **fields))
    assert found, "no cancel code on the confirmation"
    return found.group(1)


def open_case(client: FlaskClient, code: str, lang: str = "fr") -> TestResponse:
    """Type the code on the request page, as she would."""
    path = f"/{lang}/cancel"
    return client.post(path, data={"code": code, "csrf_token": csrf_token(client, path)})


def act(client: FlaskClient, action: str, lang: str = "fr", **fields: Any) -> TestResponse:
    """Send one of the opened request's forms."""
    path = f"/{lang}/cancel"
    data = {"step": action, "csrf_token": csrf_token(client, path), **fields}
    return client.post(path, data=data)


def send_cancel(client: FlaskClient, code: str, lang: str = "fr") -> TestResponse:
    """Open the request with the code, then cancel it; the answer to the code if it opened none."""
    opened = open_case(client, code, lang)
    if 'value="cancel"' not in opened.get_data(as_text=True):
        return opened
    return act(client, "cancel", lang)


# The confirmation.


def test_confirmation_shows_code_and_callback_number_once(
    client: FlaskClient, submit: Submit
) -> None:
    body = sent_page(client, submit)
    code = found_in(CODE_RE, body)
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    assert body.count(code) == 1
    assert "04 65 71 00 01" in body
    again = spaced(client.get("/fr/sent").get_data(as_text=True))
    assert code not in again
    assert "04 65 71 00 01" not in again
    assert not CODE_RE.search(again)


def test_confirmation_opened_directly_shows_nothing_personal(app: Flask, submit: Submit) -> None:
    submit()
    stranger = app.test_client()
    response = stranger.get("/fr/sent")
    body = spaced(response.get_data(as_text=True))
    assert response.status_code == 200
    assert not CODE_RE.search(body)
    assert "04 65 71 00" not in body
    assert "06 12" not in body and "Sam" not in body


def test_confirmation_never_shows_what_the_person_typed(
    client: FlaskClient, submit: Submit
) -> None:
    body = sent_page(client, submit, name="Samira", message="secret words")
    assert "Samira" not in body
    assert "secret words" not in body
    assert "06 12 34 56 78" not in body and "612345678" not in body


def test_confirmation_cookie_is_sealed(client: FlaskClient, submit: Submit) -> None:
    submit()
    cookie = client.get_cookie("s")
    assert cookie is not None
    code = found_in(CODE_RE, client.get("/fr/sent").get_data(as_text=True))
    assert code not in cookie.value
    assert code.replace("-", "") not in cookie.value


def test_without_station_the_coordinator_number_is_given(
    client: FlaskClient, submit: Submit
) -> None:
    body = sent_page(client, submit, station="unknown")
    assert "04 65 71 00 00" in body


def test_danger_marks_the_request_urgent_and_puts_emergency_numbers_first(
    client: FlaskClient, submit: Submit, stored_requests: StoredRequests
) -> None:
    body = sent_page(client, submit, danger="yes")
    assert stored_requests()[0].urgent is True
    first_number = min(body.find(f'href="{href}"') for href in ("tel:17", "tel:112", "sms:114"))
    assert first_number != -1
    for href in ("tel:17", "tel:112", "sms:114"):
        assert f'href="{href}"' in body
    assert first_number < body.find("<h1")


def test_without_danger_the_confirmation_comes_first(
    client: FlaskClient, submit: Submit, stored_requests: StoredRequests
) -> None:
    body = sent_page(client, submit, danger="no")
    assert stored_requests()[0].urgent is False
    assert body.find("<h1") < body.find('href="tel:17"')


def test_confirmation_is_in_the_language_of_the_form(client: FlaskClient, submit: Submit) -> None:
    response = submit(path="/ar/")
    assert response.headers["Location"].endswith("/ar/sent")
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in body
    assert CODE_RE.search(body)


# Cancelling.


def test_right_code_cancels_and_erases_at_once(
    client: FlaskClient, submit: Submit, stored_requests: StoredRequests
) -> None:
    code = cancel_code(client, submit, message="call after six")
    response = send_cancel(client, code)
    assert response.status_code == 200
    [stored] = stored_requests()
    assert stored.status == "cancelled"
    assert stored.closed_at is not None
    assert stored.purged_at is not None
    for field in ("phone_enc", "name_enc", "message_enc", "cover_story_enc", "phone_index"):
        assert getattr(stored, field) is None, field
    assert stored.cancel_hash is None


@pytest.mark.parametrize("typed", [str.lower, lambda c: c.replace("-", ""), lambda c: f" {c} "])
def test_code_may_be_typed_loosely(
    client: FlaskClient,
    submit: Submit,
    stored_requests: StoredRequests,
    typed: Callable[[str], str],
) -> None:
    code = cancel_code(client, submit)
    send_cancel(client, typed(code))
    assert stored_requests()[0].status == "cancelled"


def test_a_wrong_code_answers_like_any_wrong_code(
    client: FlaskClient, submit: Submit, stored_requests: StoredRequests
) -> None:
    cancel_code(client, submit)
    answers = {
        TOKEN_RE.sub("", open_case(client, wrong, "en").get_data(as_text=True))
        for wrong in ("ZZZZ-ZZZZ", "YYYY-YYYY", "2222")
    }
    assert len(answers) == 1
    assert "No open request has this code" in answers.pop().replace("&#39;", "'")
    assert [r.status for r in stored_requests()] == ["new"]


def test_used_code_gets_the_wrong_code_answer_and_changes_nothing(
    client: FlaskClient, submit: Submit, stored_requests: StoredRequests
) -> None:
    code = cancel_code(client, submit)
    send_cancel(client, code)
    again = open_case(client, code).get_data(as_text=True)
    wrong = open_case(client, "ZZZZ-ZZZZ").get_data(as_text=True)
    assert TOKEN_RE.sub("", again) == TOKEN_RE.sub("", wrong)
    assert stored_requests()[0].status == "cancelled"


def test_closed_request_cannot_be_cancelled(
    app: Flask, client: FlaskClient, submit: Submit, stored_requests: StoredRequests
) -> None:
    from portal.core import db
    from portal.models import CallbackRequest

    code = cancel_code(client, submit)
    with app.app_context():
        db.session().query(CallbackRequest).update({"status": "closed"})
        db.session().commit()
    assert send_cancel(client, code).status_code == 200
    [stored] = stored_requests()
    assert stored.status == "closed"
    assert stored.phone_enc is not None


def test_code_stored_only_as_a_keyed_hash(
    app: Flask, client: FlaskClient, submit: Submit, stored_requests: StoredRequests
) -> None:
    code = cancel_code(client, submit)
    [stored] = stored_requests()
    assert stored.cancel_hash and code not in stored.cancel_hash
    with app.app_context():
        assert stored.cancel_hash == crypto.code_hash(code.lower())


@pytest.mark.parametrize("code", ["", "   ", "x" * 21, "é" * 10])
def test_bad_code_input_is_an_error_in_place(
    client: FlaskClient, submit: Submit, stored_requests: StoredRequests, code: str
) -> None:
    submit()
    response = send_cancel(client, code)
    body = response.get_data(as_text=True)
    if code.strip() and len(code) <= 20:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert 'id="code-error"' in body
        assert 'href="#code"' in body
        assert 'aria-invalid="true"' in body
    assert stored_requests()[0].status == "new"


def test_cancel_page_is_served_in_every_language(client: FlaskClient) -> None:
    for lang in ("fr", "en", "ar"):
        response = client.get(f"/{lang}/cancel")
        assert response.status_code == 200
        assert 'name="code"' in response.get_data(as_text=True)


def test_cancel_is_rate_limited(make_app: MakeApp) -> None:
    app = make_app(CANCEL_LIMITS="3 per minute")
    client = app.test_client()
    answers = [send_cancel(client, f"AAAA-AAA{n}").status_code for n in range(2, 7)]
    assert answers[:3] == [200, 200, 200]
    assert answers[3:] == [429, 429]
    body = send_cancel(client, "AAAA-AAAA").get_data(as_text=True)
    for href in ("tel:17", "tel:112", "sms:114"):
        assert f'href="{href}"' in body
