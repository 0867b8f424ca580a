"""The request form as a victim fills it in: every rule, every error shown in place; what the
traps catch is shown the form again, never a confirmation; a number that asks again is stored."""

from __future__ import annotations

import datetime as dt
import html
import re
import time

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import MakeApp, StoredRequests, Submit
from helpers.web import VALID_FORM, csrf_token
from werkzeug.test import TestResponse

from portal.core.timezone import paris_today

SUMMARY_LINK = re.compile(r'<div class="error-summary".*?</div>', re.S)
CODE_RE = re.compile(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>')


def summary_targets(body: str) -> list[str]:
    """The anchors the error summary links to."""
    found = SUMMARY_LINK.search(body)
    assert found, "no error summary on the page"
    return re.findall(r'<a href="#([^"]+)">', found.group(0))


def element_with_id(body: str, element_id: str) -> str:
    found = re.search(rf'<[^>]*\bid="{re.escape(element_id)}"[^>]*>', body)
    assert found, f"nothing with id {element_id!r} on the page"
    return found.group(0)


def assert_error_on(response: TestResponse, field_id: str, anchor: str | None = None) -> str:
    """The field is marked in error, its message is shown and the summary links to it."""
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field_id}-error"' in body
    assert (anchor or field_id) in summary_targets(body)
    element_with_id(body, anchor or field_id)
    return body


def assert_input_invalid(body: str, field_id: str) -> None:
    tag = element_with_id(body, field_id)
    assert 'aria-invalid="true"' in tag
    assert f"{field_id}-error" in tag


def test_form_is_served_with_every_field(client: FlaskClient) -> None:
    response = client.get("/fr/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in ("phone", "name", "windows", "voicemail_ok", "sms_ok", "call_language", "danger"):
        assert f'name="{name}"' in body
    for name in ("message", "consent", "station", "csrf_token", "website"):
        assert f'name="{name}"' in body
    assert "error-summary" not in body
    assert "aria-invalid" not in body


@pytest.mark.parametrize(
    ("accept", "lang"),
    [("ar", "ar"), ("en-US,en;q=0.8", "en"), ("de,it;q=0.5", "fr"), (None, "fr")],
)
def test_home_goes_to_the_best_language(client: FlaskClient, accept: str | None, lang: str) -> None:
    response = client.get("/", headers={"Accept-Language": accept} if accept else {})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{lang}/"
    assert "Accept-Language" in response.headers["Vary"]
    assert response.headers.getlist("Set-Cookie") == []


def test_valid_request_is_stored_and_confirmed(
    submit: Submit, stored_requests: StoredRequests
) -> None:
    response = submit()
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/fr/sent")
    [stored] = stored_requests()
    assert stored.station and stored.station.code == "st-etienne"
    assert stored.status == "new"
    assert stored.urgent is False
    assert stored.safe_windows == ["10:00-12:00", "14:00-17:00"]
    assert stored.page_language == "fr"
    assert stored.call_language == "fr"


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("٠٦١٢٣٤٥٦٧٨", "+33612345678"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+213 551 23 45 67", "+213551234567"),
    ],
)
def test_phone_numbers_are_accepted_and_normalised(
    app: Flask, submit: Submit, stored_requests: StoredRequests, phone: str, e164: str
) -> None:
    from portal.core import crypto

    response = submit(phone=phone)
    assert response.status_code == 303
    [stored] = stored_requests()
    with app.app_context():
        assert crypto.decrypt(stored.phone_enc) == e164


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "   ",
        "call me",
        "06 12",
        "06 12 34 56 78 9",
        "+44 7700 900123",
        "17",
        "0" * 33,
        "06 12 34 56 78" + " " * 10 + "123456789",
    ],
)
def test_bad_phone_numbers_are_refused_in_place(
    submit: Submit, stored_requests: StoredRequests, phone: str
) -> None:
    body = assert_error_on(submit(phone=phone), "phone")
    assert_input_invalid(body, "phone")
    assert stored_requests() == []


def test_missing_phone_field_is_refused(submit: Submit, stored_requests: StoredRequests) -> None:
    body = assert_error_on(submit(phone=None), "phone")
    assert_input_invalid(body, "phone")
    assert stored_requests() == []


def test_name_may_be_empty_or_up_to_sixty_characters(
    submit: Submit, stored_requests: StoredRequests
) -> None:
    assert submit(name="").status_code == 303
    assert submit(name="é" * 60, phone="07 58 12 34 56").status_code == 303
    assert len(stored_requests()) == 2
    assert stored_requests()[0].name_enc is None


def test_name_too_long_is_refused(submit: Submit, stored_requests: StoredRequests) -> None:
    body = assert_error_on(submit(name="N" * 61), "name")
    assert_input_invalid(body, "name")
    assert stored_requests() == []


@pytest.mark.parametrize("windows", [None, [], ["03:00-04:00"], ["22:00-08:00"], ["x" * 300]])
def test_windows_must_be_chosen_from_the_list(
    submit: Submit, stored_requests: StoredRequests, windows: list[str] | None
) -> None:
    fields = {"windows": windows} if windows else {"windows": None}
    body = assert_error_on(submit(**fields), "windows", anchor="windows-0")
    assert 'aria-describedby="windows-hint windows-error"' in body
    assert stored_requests() == []


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
@pytest.mark.parametrize(
    ("field", "values", "anchor"),
    [("windows", (["bogus"], ["other"]), "windows-0"), ("danger", ("bogus", "other"), "danger-0")],
)
def test_unknown_choice_gets_a_plain_message_without_echo(
    submit: Submit, lang: str, field: str, values: tuple[object, object], anchor: str
) -> None:
    def summary_text(value: object) -> str:
        body = submit(path=f"/{lang}/", **{field: value}).get_data(as_text=True)
        found = re.search(rf'<a href="#{anchor}">([^<]+)</a>', body)
        assert found, body
        return found.group(1)

    first, second = (summary_text(value) for value in values)
    assert "bogus" not in first
    assert first == second
    if field == "danger":
        assert first == summary_text(None)


def test_one_good_and_one_unknown_window_is_refused(
    submit: Submit, stored_requests: StoredRequests
) -> None:
    assert_error_on(submit(windows=["10:00-12:00", "bogus"]), "windows", anchor="windows-0")
    assert stored_requests() == []


@pytest.mark.parametrize("danger", [None, "", "maybe"])
def test_danger_must_be_answered(
    submit: Submit, stored_requests: StoredRequests, danger: str
) -> None:
    body = assert_error_on(submit(danger=danger), "danger", anchor="danger-0")
    assert 'aria-describedby="danger-error"' in body
    assert stored_requests() == []


def test_message_up_to_the_limit_is_kept(submit: Submit, stored_requests: StoredRequests) -> None:
    assert submit(message="m" * 500).status_code == 303
    assert len(stored_requests()) == 1


def test_message_too_long_is_refused(submit: Submit, stored_requests: StoredRequests) -> None:
    body = assert_error_on(submit(message="m" * 501), "message")
    assert_input_invalid(body, "message")
    assert stored_requests() == []


@pytest.mark.parametrize("consent", [None, ""])
def test_consent_is_required(
    submit: Submit, stored_requests: StoredRequests, consent: str | None
) -> None:
    body = assert_error_on(submit(consent=consent), "consent")
    assert "consent-error" in element_with_id(body, "consent")
    assert stored_requests() == []


@pytest.mark.parametrize("language", ["xx", "", "<script>", "fr\x00"])
def test_unknown_call_language_is_a_clear_error(
    submit: Submit, stored_requests: StoredRequests, language: str
) -> None:
    response = submit(call_language=language)
    body = assert_error_on(response, "call_language")
    assert_input_invalid(body, "call_language")
    assert "<script>" not in body
    assert stored_requests() == []


@pytest.mark.parametrize("station", ["nowhere", "", "st-etienne' OR 1=1"])
def test_unknown_station_is_a_clear_error(
    submit: Submit, stored_requests: StoredRequests, station: str
) -> None:
    body = assert_error_on(submit(station=station), "station")
    assert_input_invalid(body, "station")
    assert stored_requests() == []


def test_station_i_dont_know_stores_no_station(
    submit: Submit, stored_requests: StoredRequests
) -> None:
    assert submit(station="unknown").status_code == 303
    [stored] = stored_requests()
    assert stored.station_id is None


def test_inactive_station_is_not_offered(
    app: Flask, client: FlaskClient, submit: Submit, stored_requests: StoredRequests
) -> None:
    from portal.core import db
    from portal.models import Station

    with app.app_context():
        db.session().query(Station).filter_by(code="roanne").update({"active": False})
        db.session().commit()
    assert 'value="roanne"' not in client.get("/fr/").get_data(as_text=True)
    assert_error_on(submit(station="roanne"), "station")
    assert stored_requests() == []


def test_call_language_defaults_to_the_page_language(client: FlaskClient) -> None:
    body = client.get("/ar/").get_data(as_text=True)
    assert re.search(r'<option selected value="ar">|<option value="ar" selected>', body)


@pytest.mark.parametrize(
    ("days", "accepted"), [(0, True), (30, True), (-1, False), (3 * 366 + 1, False)]
)
def test_no_call_after_must_be_between_today_and_three_years(
    submit: Submit, stored_requests: StoredRequests, days: int, accepted: bool
) -> None:
    when = (paris_today() + dt.timedelta(days=days)).isoformat()
    response = submit(no_call_after=when)
    if accepted:
        assert response.status_code == 303
        assert str(stored_requests()[0].do_not_call_after) == when
    else:
        body = assert_error_on(response, "no_call_after")
        assert_input_invalid(body, "no_call_after")
        assert '<details class="more" open>' in body
        assert stored_requests() == []


@pytest.mark.parametrize("value", ["31/12/2030", "tomorrow", "2030-02-30", "9999999-01-01"])
def test_malformed_no_call_after_is_refused(
    submit: Submit, stored_requests: StoredRequests, value: str
) -> None:
    body = assert_error_on(submit(no_call_after=value), "no_call_after")
    assert_input_invalid(body, "no_call_after")
    assert stored_requests() == []


def test_cover_story_too_long_is_refused(submit: Submit, stored_requests: StoredRequests) -> None:
    body = assert_error_on(submit(if_someone_else="c" * 201), "if_someone_else")
    assert_input_invalid(body, "if_someone_else")
    assert stored_requests() == []


def test_every_error_at_once_is_listed_in_the_summary(
    submit: Submit, stored_requests: StoredRequests
) -> None:
    response = submit(
        phone="nope", name="n" * 61, windows=None, danger=None, consent=None, message="m" * 501
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    targets = summary_targets(body)
    for target in ("phone", "name", "windows-0", "danger-0", "message", "consent"):
        assert target in targets
        element_with_id(body, target)
    assert stored_requests() == []


def test_what_was_typed_is_kept_after_an_error(submit: Submit) -> None:
    body = submit(consent=None, name="Samira").get_data(as_text=True)
    assert 'value="Samira"' in body
    assert 'value="06 12 34 56 78"' in body


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_errors_are_shown_in_every_language(
    client: FlaskClient, lang: str, stored_requests: StoredRequests
) -> None:
    data = {**VALID_FORM, "phone": "nope", "csrf_token": csrf_token(client, f"/{lang}/")}
    response = client.post(f"/{lang}/", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<html lang="{lang}"' in body
    assert "phone" in summary_targets(body)
    assert_input_invalid(body, "phone")
    assert stored_requests() == []


def test_arabic_page_reads_right_to_left(client: FlaskClient) -> None:
    assert 'dir="rtl"' in client.get("/ar/").get_data(as_text=True)
    assert 'dir="ltr"' in client.get("/fr/").get_data(as_text=True)


# Bots: a filled honeypot and a form sent too fast are shown the form again, never a confirmation.

SEND_AGAIN = (
    "Your request has not been sent yet. Please check it, then press the button to send it."
)


def sent_page_shape(client: FlaskClient, response: TestResponse) -> str:
    """The confirmation a sender lands on, with its one-time code blanked out."""
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert CODE_RE.search(body), "no cancel code on the confirmation"
    return CODE_RE.sub("CODE", body)


def assert_form_again(response: TestResponse, typed: str) -> None:
    """The form, unsaved, with what she typed and the calm line; no confirmation, no code."""
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert SEND_AGAIN in body
    assert 'name="phone"' in body and typed in body
    assert not CODE_RE.search(body)


def test_honeypot_shows_the_form_again_and_nothing_is_stored(
    client: FlaskClient, submit: Submit, stored_requests: StoredRequests
) -> None:
    caught = submit("/en/", website="https://spam.example", message="Call after two")
    assert_form_again(caught, "Call after two")
    honeypot = re.search(r'<input[^>]*name="website"[^>]*>', caught.get_data(as_text=True))
    assert honeypot and "spam.example" not in honeypot.group(0)
    assert client.get("/en/sent").get_data(as_text=True).count('class="code"') == 0
    assert stored_requests() == []
    again = csrf_token_in(caught.get_data(as_text=True))
    person = client.post("/en/", data={**VALID_FORM, "csrf_token": again})
    assert sent_page_shape(client, person)
    assert len(stored_requests()) == 1


def test_time_trap_shows_the_form_again_then_stores_after_a_pause(make_app: MakeApp) -> None:
    from portal.cli.demo_data import create_demo_stations
    from portal.core import db
    from portal.models import CallbackRequest

    app = make_app(MIN_FILL_SECONDS=2)
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    client = app.test_client()

    def count() -> int:
        with app.app_context():
            return db.session().query(CallbackRequest).count()

    data = {**VALID_FORM, "message": "Le soir seulement"}
    fast = client.post("/en/", data={**data, "csrf_token": csrf_token(client, "/en/")})
    assert_form_again(fast, "Le soir seulement")
    assert count() == 0
    # The page keeps the token first served: once she has read it, sending again is stored.
    token = csrf_token_in(fast.get_data(as_text=True))
    with time_machine.travel(time.time() + 3, tick=True):
        person = client.post("/en/", data={**data, "csrf_token": token})
        assert sent_page_shape(client, person)
    assert person.headers["Location"].endswith("/en/sent")
    assert count() == 1


# A number that asks again is folded into its earlier requests, never dropped.


def test_every_request_from_one_number_is_stored_and_confirmed(
    client: FlaskClient, submit: Submit, stored_requests: StoredRequests
) -> None:
    pages: list[object] = []
    for phone in ("06 12 34 56 78", "+33612345678", "0033 6 12 34 56 78", "06.12.34.56.78"):
        response = submit(phone=phone)
        pages.append((response.status_code, response.headers["Location"]))
        pages.append(sent_page_shape(client, response))
    stored = stored_requests()
    assert len(stored) == 4
    assert {r.duplicate_of_id for r in stored[1:]} == {stored[0].id}
    assert pages[0] == pages[2] == pages[4] == pages[6]
    assert pages[1] == pages[3] == pages[5] == pages[7]


def test_a_closed_request_does_not_head_the_next(
    app: Flask, submit: Submit, stored_requests: StoredRequests
) -> None:
    from portal.core import db
    from portal.models import CallbackRequest

    for _ in range(3):
        submit()
    with app.app_context():
        db.session().query(CallbackRequest).update({"status": "closed"})
        db.session().commit()
    submit()
    stored = stored_requests()
    assert len(stored) == 4 and stored[-1].duplicate_of_id is None


def test_another_number_is_another_entry(submit: Submit, stored_requests: StoredRequests) -> None:
    for _ in range(3):
        submit()
    submit(phone="07 98 76 54 32")
    stored = stored_requests()
    assert len(stored) == 4 and stored[-1].duplicate_of_id is None


def test_person_fixing_an_error_quickly_is_not_taken_for_a_bot(make_app: MakeApp) -> None:
    from portal.cli.demo_data import create_demo_stations
    from portal.core import db
    from portal.models import CallbackRequest

    app = make_app(MIN_FILL_SECONDS=2)
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    client = app.test_client()
    token = csrf_token(client, "/fr/")
    with time_machine.travel(time.time() + 30, tick=True):
        first = client.post("/fr/", data={**VALID_FORM, "consent": "", "csrf_token": token})
        assert first.status_code == 400
        again = csrf_token_in(first.get_data(as_text=True))
        fixed = client.post("/fr/", data={**VALID_FORM, "csrf_token": again})
    assert fixed.status_code == 303
    with app.app_context():
        assert db.session().query(CallbackRequest).count() == 1


def csrf_token_in(body: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.mark.parametrize(
    ("lang", "date", "tools"),
    [
        ("fr", "29 novembre 2026", "au clavier seul"),
        ("en", "November 29, 2026", "with the keyboard only"),
        ("es", "29 de noviembre de 2026", "solo con el teclado"),
    ],
)
def test_accessibility_statement_says_when_and_how_it_was_made(
    client: FlaskClient, lang: str, date: str, tools: str
) -> None:
    page = client.get(f"/{lang}/accessibility").get_data(as_text=True)
    assert date in page and tools in page and "axe-core" in page
