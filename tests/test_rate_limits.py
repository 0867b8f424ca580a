"""Rate limits on sending the form, per address (an IPv6 /64 is one address), counting only
stored submissions: a friendly page with the emergency numbers past the limit. There is no limit
for everybody together: past a set rate, unknown requests are stored in the "to check" lane."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import MakeApp
from helpers.web import VALID_FORM, csrf_token
from werkzeug.test import TestResponse

from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.models import CallbackRequest


@pytest.fixture
def limited(make_app: MakeApp) -> MakeApp:
    """An app with small limits, and its stations."""

    def build(**limits: Any) -> Flask:
        app = make_app(**limits)
        with app.app_context():
            create_demo_stations()
            db.session().commit()
        return app

    return build


def send(
    client: FlaskClient,
    lang: str = "fr",
    address: str = "192.0.2.10",
    phone: str = "06 12 34 56 78",
) -> TestResponse:
    path = f"/{lang}/"
    env = {"REMOTE_ADDR": address}
    page = client.get(path, environ_base=env)
    assert page.status_code == 200
    token = csrf_token(client, path)
    data = {**VALID_FORM, "phone": phone, "csrf_token": token}
    return client.post(path, data=data, environ_base=env)


def stored(app: Flask) -> int:
    with app.app_context():
        return db.session().query(CallbackRequest).count()


def assert_friendly_429(response: TestResponse, lang: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 429
    assert f'<html lang="{lang}"' in body
    for href in ("tel:17", "tel:112", "sms:114"):
        assert f'href="{href}"' in body
    assert "Traceback" not in body


PHONES = ["06 12 34 56 78", "07 58 12 34 56", "06 98 76 54 32", "06 45 67 89 01"]


def test_per_address_limit(limited: MakeApp) -> None:
    app = limited(SUBMIT_LIMITS="2 per minute")
    client = app.test_client()
    answers = [send(client, "en", phone=p) for p in PHONES[:3]]
    assert [a.status_code for a in answers] == [303, 303, 429]
    assert_friendly_429(answers[2], "en")
    assert stored(app) == 2


def test_limit_answer_is_in_the_persons_language(limited: MakeApp) -> None:
    app = limited(SUBMIT_LIMITS="1 per minute")
    client = app.test_client()
    send(client, "ar")
    assert_friendly_429(send(client, "ar", phone=PHONES[1]), "ar")


def test_another_address_is_not_held_back(limited: MakeApp) -> None:
    app = limited(SUBMIT_LIMITS="1 per minute")
    client = app.test_client()
    assert send(client, address="192.0.2.10").status_code == 303
    assert send(client, address="192.0.2.10", phone=PHONES[1]).status_code == 429
    assert send(client, address="192.0.2.11", phone=PHONES[1]).status_code == 303
    assert stored(app) == 2


def test_card_form_shares_the_limit(limited: MakeApp) -> None:
    app = limited(SUBMIT_LIMITS="1 per minute")
    client = app.test_client()
    assert send(client).status_code == 303
    path = "/fr/c/not-a-card"
    token = csrf_token(client, path)
    data = {**VALID_FORM, "phone": PHONES[1], "csrf_token": token}
    response = client.post(path, data=data, environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 429
    assert stored(app) == 1


def test_reading_the_form_is_not_limited(limited: MakeApp) -> None:
    app = limited(SUBMIT_LIMITS="1 per minute")
    client = app.test_client()
    for _ in range(5):
        assert client.get("/fr/").status_code == 200


def lanes_of(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session().query(CallbackRequest).order_by(CallbackRequest.id)
        return [(r.lane, r.trust) for r in rows]


def test_a_flood_from_many_addresses_closes_the_form_to_nobody(limited: MakeApp) -> None:
    app = limited(SUBMIT_LIMITS="100 per minute", UNKNOWN_RATE="3 per minute")
    client = app.test_client()
    answers = [
        send(client, address=f"198.51.100.{n}", phone=f"06{10_000_000 + n:08d}").status_code
        for n in range(8)
    ]
    assert answers == [303] * 8
    assert stored(app) == 8
    assert [lane for lane, _trust in lanes_of(app)] == ["queue"] * 3 + ["check"] * 5


def test_a_card_keeps_its_place_in_the_queue_during_a_flood(limited: MakeApp) -> None:
    from portal.stations.cards import card_code, current_batch
    from portal.stations.registry import station_by_code

    app = limited(SUBMIT_LIMITS="100 per minute", UNKNOWN_RATE="1 per minute")
    with app.app_context():
        code = card_code(current_batch(station_by_code("st-etienne")))
        db.session().commit()
    client = app.test_client()
    for n in range(3):
        assert send(client, address=f"198.51.100.{n}", phone=PHONES[n]).status_code == 303
    env = {"REMOTE_ADDR": "203.0.113.5"}
    path = f"/fr/c/{code}"
    data = {**VALID_FORM, "phone": PHONES[3], "csrf_token": csrf_token(client, path)}
    del data["station"]
    assert client.post(path, data=data, environ_base=env).status_code == 303
    assert lanes_of(app) == [
        ("queue", "none"),
        ("check", "none"),
        ("check", "none"),
        ("queue", "card"),
    ]


def test_what_the_traps_catch_does_not_count(limited: MakeApp) -> None:
    """Nine caught submissions from one address leave room for the person who sends after."""
    app = limited(SUBMIT_LIMITS="2 per minute")
    client = app.test_client()
    env = {"REMOTE_ADDR": "192.0.2.10"}
    for n in range(9):
        token = csrf_token(client, "/fr/")
        data = {**VALID_FORM, "phone": PHONES[n % 4], "website": "x", "csrf_token": token}
        assert client.post("/fr/", data=data, environ_base=env).status_code == 200
    forged = {**VALID_FORM, "csrf_token": "forged"}
    assert client.post("/fr/", data=forged, environ_base=env).status_code == 400
    assert stored(app) == 0
    assert [send(client, phone=p).status_code for p in PHONES[:3]] == [303, 303, 429]
    assert stored(app) == 2


def test_one_ipv6_network_counts_as_one_client(limited: MakeApp) -> None:
    """A dozen sends within a minute from one /64: beyond the per-address limit, the 429 page."""
    app = limited()  # the default limits: 5 per minute
    client = app.test_client()
    answers = [
        send(client, "en", address=f"2001:db8:42:7::{n + 1:x}", phone=f"06{20_000_000 + n:08d}")
        for n in range(12)
    ]
    assert [a.status_code for a in answers] == [303] * 5 + [429] * 7
    assert_friendly_429(answers[-1], "en")
    assert stored(app) == 5
    other = send(client, "en", address="2001:db8:42:8::1", phone=PHONES[0])
    assert other.status_code == 303


def test_forwarded_for_is_ignored_without_a_trusted_proxy(limited: MakeApp) -> None:
    app = limited(SUBMIT_LIMITS="1 per minute")
    client = app.test_client()
    assert send(client).status_code == 303
    path = "/fr/"
    token = csrf_token(client, path)
    response = client.post(
        path,
        data={**VALID_FORM, "phone": PHONES[1], "csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.0.2.10"},
        headers={"X-Forwarded-For": "203.0.113.77"},
    )
    assert response.status_code == 429
