"""Security headers on every route the app has, the one session cookie, and the quick exit."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import MakeApp
from helpers.settings import app_config
from helpers.web import csrf_token, found_in
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from portal import create_app
from portal.core import db
from portal.models import Station
from portal.stations.cards import card_code, current_batch

# Every rule of the app, read once at collection time; the tests use a fresh app.
RULES = sorted(
    (rule.rule, rule.endpoint) for rule in create_app(app_config("sqlite://")).url_map.iter_rules()
)
SAMPLE = {"lang": "fr", "filename": "portal.css", "token": "not-a-real-token"}


def sample_value(app: Flask, rule: Rule, name: str) -> object:
    """A plausible value for a variable of a rule: a real card code, an id, a language."""
    if name == "code":
        with app.app_context():
            station = db.session().query(Station).filter_by(code="firminy").one()
            batch = current_batch(station)
            db.session().commit()
            return card_code(batch)
    if rule._converters[name].__class__.__name__ == "IntegerConverter":
        return 1
    return SAMPLE.get(name, "sample")


def url_of(app: Flask, rule: Rule) -> str:
    values = {name: sample_value(app, rule, name) for name in rule.arguments}
    with app.test_request_context():
        built = rule.build(values, append_unknown=False)
        assert built is not None
        return built[1]


def fetch(app: Flask, client: FlaskClient, rule_text: str) -> TestResponse:
    [rule] = [r for r in app.url_map.iter_rules() if r.rule == rule_text]
    method = "GET" if "GET" in (rule.methods or ()) else "POST"
    return client.open(url_of(app, rule), method=method)


def is_public(rule_text: str) -> bool:
    return not rule_text.startswith("/staff")


@pytest.mark.parametrize(("rule_text", "endpoint"), RULES)
def test_every_route_carries_the_security_headers(
    app: Flask, client: FlaskClient, rule_text: str, endpoint: str
) -> None:
    response = fetch(app, client, rule_text)
    assert response.status_code < 500, endpoint
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "form-action 'self'" in csp
    assert "default-src 'none'" in csp
    assert "no-store" in headers["Cache-Control"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers
    if is_public(rule_text):
        assert headers["Request-OTR"] == "?1"


@pytest.mark.parametrize(
    ("rule_text", "endpoint"), [r for r in RULES if is_public(r[0]) and r[0] != "/exit"]
)
def test_public_pages_set_at_most_one_session_cookie(
    app: Flask, client: FlaskClient, rule_text: str, endpoint: str
) -> None:
    response = fetch(app, client, rule_text)
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) <= 1, endpoint
    for cookie in cookies:
        attributes = cookie.lower()
        assert "expires=" not in attributes
        assert "max-age=" not in attributes
        assert "httponly" in attributes
        assert "samesite=strict" in attributes


def test_form_sets_exactly_the_session_cookie(client: FlaskClient) -> None:
    [cookie] = client.get("/fr/").headers.getlist("Set-Cookie")
    assert cookie.startswith("s=")


def test_error_pages_carry_the_headers_too(client: FlaskClient) -> None:
    for response in (client.get("/xx/"), client.put("/fr/"), client.post("/fr/", data={})):
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["Request-OTR"] == "?1"


def test_pages_have_no_inline_script_or_style(client: FlaskClient) -> None:
    for path in ("/fr/", "/fr/help", "/fr/cancel", "/fr/sent", "/ar/privacy"):
        body = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), path
        assert "<style" not in body
        assert not re.search(r"\sstyle=", body), path
        assert not re.search(r"\son[a-z]+=", body), path


def test_exit_clears_everything_and_leaves(app: Flask, client: FlaskClient) -> None:
    csrf_token(client, "/fr/")
    assert client.get_cookie("s") is not None
    response = client.get("/exit")
    assert response.status_code == 303
    assert response.headers["Location"] == app.config["EXIT_URL"]
    clear = response.headers["Clear-Site-Data"]
    for kind in ('"cache"', '"cookies"', '"storage"'):
        assert kind in clear
    [cookie] = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("s=;")
    assert "expires=thu, 01 jan 1970" in cookie.lower() or "max-age=0" in cookie.lower()
    assert client.get_cookie("s") is None


def test_exit_goes_to_the_configured_site(make_app: MakeApp) -> None:
    app = make_app(EXIT_URL="https://www.example.org/weather")
    response = app.test_client().get("/exit")
    assert response.headers["Location"] == "https://www.example.org/weather"


def test_hsts_only_when_https_is_configured(make_app: MakeApp) -> None:
    plain = make_app().test_client().get("/fr/help")
    assert "Strict-Transport-Security" not in plain.headers
    secure = make_app(HTTPS=True).test_client()
    response = secure.get("/fr/help", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    [cookie] = secure.get("/fr/", base_url="https://localhost").headers.getlist("Set-Cookie")
    # Secure, for the whole site and this exact host only; still none that outlives the browser.
    assert cookie.startswith("__Host-s=")
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "secure" in attributes and "path=/" in attributes
    assert not [a for a in attributes if a.startswith(("domain=", "expires=", "max-age="))]


def test_quick_exit_link_is_on_every_public_page(client: FlaskClient) -> None:
    for path in ("/fr/", "/en/help", "/ar/cancel", "/fr/sent", "/fr/privacy", "/xx/"):
        body = client.get(path).get_data(as_text=True)
        assert 'href="/exit"' in body, path
        assert 'rel="noreferrer"' in body, path


NEUTRAL_PAGES = ("/{}/", "/{}/help", "/{}/cancel", "/{}/sent", "/{}/privacy", "/{}/directory")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_titles_say_nothing_an_onlooker_could_read(client: FlaskClient, lang: str) -> None:
    for page in NEUTRAL_PAGES:
        body = client.get(page.format(lang)).get_data(as_text=True)
        title = found_in(r"<title>([^<]*)</title>", body).casefold()
        for word in ("violen", "police", "gendarm", "victim", "abus", "danger"):
            assert word not in title, (page, title)


@pytest.mark.parametrize("path", ["/fr", "/c//x", "//fr/", "/fr/help/", "/staff", "/", "/exit"])
def test_a_forged_host_is_never_the_target_of_a_redirect(make_app: MakeApp, path: str) -> None:
    client = make_app().test_client()
    forged = client.get(path, headers={"Host": "evil.example"})
    assert forged.status_code == 400
    assert "Location" not in forged.headers
    assert "evil.example" not in forged.get_data(as_text=True)
    assert "frame-ancestors 'none'" in forged.headers["Content-Security-Policy"]
    # The site's own name (from PUBLIC_BASE_URL) is still answered.
    ours = client.get(path, headers={"Host": "portal.example"})
    assert ours.status_code != 400
    assert "evil.example" not in ours.headers.get("Location", "")


def test_other_names_are_trusted_only_when_configured(make_app: MakeApp) -> None:
    app = make_app(TRUSTED_HOSTS="rappel.example.fr, .interne.example")
    client = app.test_client()
    for host in ("rappel.example.fr", "app1.interne.example", "localhost", "portal.example"):
        assert client.get("/fr/help", headers={"Host": host}).status_code == 200, host
    for host in ("example.fr", "interne.example.evil", "evil.example"):
        assert client.get("/fr/help", headers={"Host": host}).status_code == 400, host


GET_RULES = [r for r in RULES if is_public(r[0]) and r[0] not in ("/exit",)]


@pytest.mark.parametrize(("rule_text", "endpoint"), GET_RULES)
def test_head_answers_like_get(
    app: Flask, client: FlaskClient, rule_text: str, endpoint: str
) -> None:
    [rule] = [r for r in app.url_map.iter_rules() if r.rule == rule_text]
    if "GET" not in (rule.methods or ()):
        pytest.skip("not a page")
    url = url_of(app, rule)
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == got.status_code, endpoint
    assert head.get_data() == b""
    assert head.headers["Content-Security-Policy"] == got.headers["Content-Security-Policy"]
