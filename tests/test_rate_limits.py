"""Rate limits on sending the form, per address and for everybody: a friendly page with the
emergency numbers, and nothing stored past the limit."""

from __future__ import annotations

import pytest
from helpers.web import VALID_FORM, csrf_token

from portal import db
from portal.demo import create_demo_stations
from portal.models import CallbackRequest


@pytest.fixture
def limited(make_app):
    """An app with small limits, and its stations."""

    def build(**limits):
        app = make_app(**limits)
        with app.app_context():
            create_demo_stations()
            db.session().commit()
        return app

    return build


def send(client, lang: str = "fr", address: str = "192.0.2.10", phone: str = "06 12 34 56 78"):
    path = f"/{lang}/"
    env = {"REMOTE_ADDR": address}
    page = client.get(path, environ_base=env)
    assert page.status_code == 200
    token = csrf_token(client, path)
    data = {**VALID_FORM, "phone": phone, "csrf_token": token}
    return client.post(path, data=data, environ_base=env)


def stored(app) -> int:
    with app.app_context():
        return db.session().query(CallbackRequest).count()


def assert_friendly_429(response, lang: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 429
    assert f'<html lang="{lang}"' in body
    for href in ("tel:17", "tel:112", "sms:114"):
        assert f'href="{href}"' in body
    assert "Traceback" not in body


PHONES = ["06 12 34 56 78", "07 58 12 34 56", "06 98 76 54 32", "06 45 67 89 01"]


def test_per_address_limit(limited):
    app = limited(SUBMIT_LIMITS="2 per minute")
    client = app.test_client()
    answers = [send(client, "en", phone=p) for p in PHONES[:3]]
    assert [a.status_code for a in answers] == [303, 303, 429]
    assert_friendly_429(answers[2], "en")
    assert stored(app) == 2


def test_limit_answer_is_in_the_persons_language(limited):
    app = limited(SUBMIT_LIMITS="1 per minute")
    client = app.test_client()
    send(client, "ar")
    assert_friendly_429(send(client, "ar", phone=PHONES[1]), "ar")


def test_another_address_is_not_held_back(limited):
    app = limited(SUBMIT_LIMITS="1 per minute")
    client = app.test_client()
    assert send(client, address="192.0.2.10").status_code == 303
    assert send(client, address="192.0.2.10", phone=PHONES[1]).status_code == 429
    assert send(client, address="192.0.2.11", phone=PHONES[1]).status_code == 303
    assert stored(app) == 2


def test_card_form_shares_the_limit(limited):
    app = limited(SUBMIT_LIMITS="1 per minute")
    client = app.test_client()
    assert send(client).status_code == 303
    path = "/fr/c/not-a-card"
    token = csrf_token(client, path)
    data = {**VALID_FORM, "phone": PHONES[1], "csrf_token": token}
    response = client.post(path, data=data, environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 429
    assert stored(app) == 1


def test_reading_the_form_is_not_limited(limited):
    app = limited(SUBMIT_LIMITS="1 per minute")
    client = app.test_client()
    for _ in range(5):
        assert client.get("/fr/").status_code == 200


def test_global_limit_holds_a_flood_from_many_addresses(limited):
    app = limited(SUBMIT_LIMITS="100 per minute", SUBMIT_GLOBAL_LIMITS="3 per minute")
    client = app.test_client()
    answers = [
        send(client, address=f"198.51.100.{n}", phone=PHONES[n]).status_code for n in range(4)
    ]
    assert answers == [303, 303, 303, 429]
    assert_friendly_429(send(client, "en", address="203.0.113.9", phone=PHONES[3]), "en")
    assert stored(app) == 3


def test_forwarded_for_is_ignored_without_a_trusted_proxy(limited):
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
