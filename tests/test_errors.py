"""Whatever a person or an attacker sends, the answer is a clear page in the person's language
with the emergency numbers: never a 500, never a trace."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import StoredRequests
from helpers.web import VALID_FORM, csrf_token
from werkzeug.test import TestResponse

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "public"
EMERGENCY_HREFS = ("tel:17", "tel:112", "sms:114")


def assert_clear_page(response: TestResponse, status: int, lang: str | None = None) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert "Traceback" not in body and 'File "' not in body
    assert "werkzeug" not in body.lower()
    for href in EMERGENCY_HREFS:
        assert f'href="{href}"' in body
    if lang:
        assert f'<html lang="{lang}"' in body
    return body


def test_error_templates_show_the_emergency_numbers() -> None:
    for name in ("error.html", "not_saved.html"):
        text = (TEMPLATES / name).read_text()
        assert "numbers_list(emergency)" in text, name


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_body_too_large_gets_a_413_page_in_the_persons_language(
    client: FlaskClient, app: Flask, lang: str
) -> None:
    token = csrf_token(client, f"/{lang}/")
    data = {
        **VALID_FORM,
        "message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
        "csrf_token": token,
    }
    assert_clear_page(client.post(f"/{lang}/", data=data), 413, lang)


def test_huge_multipart_body_gets_a_413_page(
    client: FlaskClient, stored_requests: StoredRequests
) -> None:
    from io import BytesIO

    token = csrf_token(client, "/en/")
    data = {**VALID_FORM, "csrf_token": token, "file": (BytesIO(b"x" * 200_000), "a.txt")}
    assert_clear_page(client.post("/en/", data=data), 413, "en")
    assert stored_requests() == []


@pytest.mark.parametrize("token", [None, "", "garbage", "IjEyMyI.aaaa.bbbb"])
def test_missing_or_wrong_csrf_token_says_the_form_expired(
    client: FlaskClient, stored_requests: StoredRequests, token: str | None
) -> None:
    csrf_token(client, "/en/")
    data = {**VALID_FORM}
    if token is not None:
        data["csrf_token"] = token
    body = assert_clear_page(client.post("/en/", data=data), 400, "en")
    assert "The form expired" in body
    assert stored_requests() == []


def test_token_from_another_visit_is_refused(
    app: Flask, client: FlaskClient, stored_requests: StoredRequests
) -> None:
    other = app.test_client()
    token = csrf_token(other, "/fr/")
    csrf_token(client, "/fr/")
    body = assert_clear_page(
        client.post("/fr/", data={**VALID_FORM, "csrf_token": token}), 400, "fr"
    )
    assert 'href="/fr/"' in body
    assert stored_requests() == []


def test_stale_csrf_token_says_the_form_expired(
    app: Flask, client: FlaskClient, stored_requests: StoredRequests
) -> None:
    token = csrf_token(client, "/en/")
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 60
    with time_machine.travel(later, tick=False):
        response = client.post("/en/", data={**VALID_FORM, "csrf_token": token})
    assert "The form expired" in assert_clear_page(response, 400, "en")
    assert stored_requests() == []


def test_cancel_without_token_says_the_form_expired(client: FlaskClient) -> None:
    body = assert_clear_page(client.post("/en/cancel", data={"code": "ABCD-EFGH"}), 400, "en")
    assert "The form expired" in body


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/fr/", "/ar/cancel", "/en/help", "/ar/sent", "/exit"])
def test_wrong_method_gets_a_405_page(client: FlaskClient, method: str, path: str) -> None:
    lang = path.split("/")[1] if path != "/exit" else None
    assert_clear_page(client.open(path, method=method), 405, lang)


def test_post_on_a_read_only_page_gets_a_405_page(client: FlaskClient) -> None:
    assert_clear_page(client.post("/en/help", data={"x": "y"}), 405, "en")


@pytest.mark.parametrize(
    "path", ["/xx/", "/de/help", "/FR/", "/fr/nowhere", "/nowhere.html", "/a/b/c"]
)
def test_unknown_page_or_language_gets_a_404_page(client: FlaskClient, path: str) -> None:
    assert_clear_page(client.get(path, follow_redirects=True), 404)


def test_404_page_follows_the_browser_language(client: FlaskClient) -> None:
    response = client.get("/de/", headers={"Accept-Language": "en"})
    assert_clear_page(response, 404, "en")


def test_404_inside_a_known_language_stays_in_it(client: FlaskClient) -> None:
    assert_clear_page(client.get("/ar/nowhere"), 404, "ar")


def test_invalid_utf8_in_the_form_body(
    client: FlaskClient, stored_requests: StoredRequests
) -> None:
    token = csrf_token(client, "/fr/").encode()
    body = b"phone=%FF%FE06&name=%C3%28&windows=10%3A00-12%3A00&danger=no&consent=y"
    body += b"&call_language=fr&station=unknown&message=%E2%82&csrf_token=" + token
    response = client.post("/fr/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert 'id="phone-error"' in response.get_data(as_text=True)
    assert stored_requests() == []


def test_raw_invalid_utf8_bytes_in_the_form_body(
    client: FlaskClient, stored_requests: StoredRequests
) -> None:
    token = csrf_token(client, "/fr/").encode()
    body = b"phone=\xff\xfe&danger=no&consent=y&csrf_token=" + token
    response = client.post("/fr/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert stored_requests() == []


def test_invalid_utf8_in_the_cancel_form(client: FlaskClient) -> None:
    token = csrf_token(client, "/en/cancel").encode()
    response = client.post(
        "/en/cancel",
        data=b"code=%FF%FF%FF&csrf_token=" + token,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/%FF/", 404),
        ("/fr/c/%FF%FE", 200),
        ("/c/%C3%28", 200),
        ("/fr/%FF", 404),
        ("/%00/help", 404),
    ],
)
def test_invalid_utf8_in_the_path(client: FlaskClient, path: str, status: int) -> None:
    response = client.get(path, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == status
    if status == 404:
        assert_clear_page(response, 404)
    else:
        assert 'name="station"' in body
        assert "Traceback" not in body


def test_form_sent_as_json_is_refused_plainly(
    client: FlaskClient, stored_requests: StoredRequests
) -> None:
    response = client.post("/fr/", json=VALID_FORM)
    assert_clear_page(response, 400, "fr")
    assert stored_requests() == []


def test_form_fields_sent_twice_do_not_break_it(
    client: FlaskClient, stored_requests: StoredRequests
) -> None:
    token = csrf_token(client, "/fr/")
    data = [(k, v) for k, v in VALID_FORM.items() if k != "windows"]
    data += [("windows", "10:00-12:00"), ("phone", "07 58 12 34 56"), ("danger", "yes")]
    data += [("csrf_token", token)]
    from werkzeug.datastructures import MultiDict

    response = client.post("/fr/", data=MultiDict(data))
    assert response.status_code == 303
    assert "Traceback" not in response.get_data(as_text=True)
