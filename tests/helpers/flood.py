"""A small flood of the public form: two people, four bots from one network with one text, a
third person; the app counts unknown requests at two a minute, so the flood goes to "to check"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.models import CallbackRequest

from .web import VALID_FORM, csrf_token

SPAM = "Gagnez un iPhone maintenant"


@pytest.fixture
def flooded(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(UNKNOWN_RATE="2 per minute")
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    return app


def send(client: FlaskClient, address: str, phone: str, **fields: Any) -> int:
    data = {**VALID_FORM, "phone": phone, "csrf_token": csrf_token(client, "/fr/"), **fields}
    return client.post("/fr/", data=data, environ_base={"REMOTE_ADDR": address}).status_code


def requests_of(app: Flask) -> list[CallbackRequest]:
    with app.app_context():
        return list(db.session().query(CallbackRequest).order_by(CallbackRequest.id))


def flood(app: Flask) -> None:
    """Two people first, then four bots from one network with one text, then a third person."""
    client = app.test_client()
    assert send(client, "192.0.2.1", "06 11 11 11 11") == 303
    assert send(client, "192.0.2.2", "06 22 22 22 22") == 303
    for n in range(4):
        assert send(client, f"203.0.113.{n + 1}", f"07 58 00 00 0{n}", message=SPAM) == 303
    assert send(client, "198.51.100.7", "06 33 33 33 33", message="Le matin") == 303
