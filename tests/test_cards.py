"""Codes printed on business cards: a good one routes the request to its station, and anything
else still gives the person a working form."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import StoredRequests
from helpers.web import VALID_FORM, csrf_token
from werkzeug.test import TestResponse

from portal.core import db
from portal.models import CardBatch, Station, utcnow
from portal.stations.cards import card_code, current_batch


@pytest.fixture
def card(app: Flask) -> str:
    """The code printed on the Roanne cards."""
    with app.app_context():
        station = db.session().query(Station).filter_by(code="roanne").one()
        batch = current_batch(station)
        db.session().commit()
        return card_code(batch)


def send_card_form(client: FlaskClient, path: str, **fields: Any) -> TestResponse:
    data = {k: v for k, v in {**VALID_FORM, **fields}.items() if v is not None}
    data.pop("station", None)
    data["csrf_token"] = csrf_token(client, path)
    return client.post(path, data=data)


def test_valid_card_hides_the_station_list_and_routes_to_its_station(
    client: FlaskClient, card: str, stored_requests: StoredRequests
) -> None:
    page = client.get(f"/fr/c/{card}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="station"' not in body
    assert 'name="phone"' in body
    response = send_card_form(client, f"/fr/c/{card}")
    assert response.status_code == 303
    [stored] = stored_requests()
    assert stored.station and stored.station.code == "roanne"
    assert stored.card_batch_id is not None


def test_station_sent_with_a_card_is_ignored(
    client: FlaskClient, card: str, stored_requests: StoredRequests
) -> None:
    path = f"/fr/c/{card}"
    response = client.post(
        path, data={**VALID_FORM, "station": "firminy", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 303
    station = stored_requests()[0].station
    assert station and station.code == "roanne"


def test_card_confirmation_gives_the_station_number(client: FlaskClient, card: str) -> None:
    response = send_card_form(client, f"/en/c/{card}")
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "04\u00a065\u00a071\u00a000\u00a004" in body  # on one line, as she reads it


def broken_codes(card: str) -> list[str]:
    # A character inside the signature: the last one's lowest bits are padding, so changing
    # only those would leave the signature valid.
    other = "A" if card[-5] != "A" else "B"
    return [
        card[:-5] + other + card[-4:],
        card[:-5],
        card + "x" * 200,
        card[:10] + "é" + card[11:],
        "hello",
        "../../etc/passwd",
        "e30.aGVsbG8",
        "WzEsMV0.bad-signature",
        quote("<script>alert(1)</script>", safe=""),
        "%00",
    ]


@pytest.mark.parametrize("which", range(10))
def test_broken_code_still_shows_a_working_form(
    client: FlaskClient, card: str, stored_requests: StoredRequests, which: int
) -> None:
    code = broken_codes(card)[which]
    path = f"/fr/c/{code}"
    page = client.get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="station"' in body
    assert 'value="roanne"' in body
    assert "<script>alert" not in body
    response = client.post(
        path, data={**VALID_FORM, "station": "unknown", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 303
    [stored] = stored_requests()
    assert stored.station_id is None
    assert stored.card_batch_id is None


def test_code_of_another_stations_batch_is_refused(
    app: Flask, client: FlaskClient, stored_requests: StoredRequests
) -> None:
    with app.app_context():
        roanne = db.session().query(Station).filter_by(code="roanne").one()
        firminy = db.session().query(Station).filter_by(code="firminy").one()
        batch = current_batch(roanne)
        db.session().commit()
        forged = CardBatch(id=batch.id, station_id=firminy.id, label="x")
        code = card_code(forged)
    body = client.get(f"/fr/c/{code}").get_data(as_text=True)
    assert 'name="station"' in body


def test_revoked_batch_still_lets_the_person_ask(
    app: Flask, client: FlaskClient, card: str, stored_requests: StoredRequests
) -> None:
    with app.app_context():
        db.session().query(CardBatch).update({"revoked_at": utcnow()})
        db.session().commit()
    path = f"/fr/c/{card}"
    body = client.get(path).get_data(as_text=True)
    assert 'class="note"' in body
    assert 'name="station"' not in body
    response = send_card_form(client, path)
    assert response.status_code == 303
    [stored] = stored_requests()
    assert stored.station_id is None
    sent = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "04\u00a065\u00a071\u00a000\u00a090" in sent  # PORTAL_COORDINATOR_PHONE of the tests


def test_valid_card_shows_no_revoked_note(client: FlaskClient, card: str) -> None:
    assert 'class="note"' not in client.get(f"/fr/c/{card}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "lang"),
    [("ar,fr;q=0.5", "ar"), ("en-GB,en;q=0.9", "en"), ("de", "fr"), (None, "fr")],
)
def test_card_without_language_goes_to_the_best_one(
    client: FlaskClient, card: str, accept: str | None, lang: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get(f"/c/{card}", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{lang}/c/{card}"
    assert "Accept-Language" in response.headers["Vary"]


def test_broken_card_without_language_still_reaches_a_form(client: FlaskClient) -> None:
    response = client.get("/c/garbage", headers={"Accept-Language": "en"}, follow_redirects=True)
    assert response.status_code == 200
    assert 'name="station"' in response.get_data(as_text=True)


def test_language_switcher_keeps_the_card_code(client: FlaskClient, card: str) -> None:
    body = client.get(f"/fr/c/{card}").get_data(as_text=True)
    for lang in ("fr", "en", "ar"):
        assert f'href="/{lang}/c/{card}"' in body


def test_card_form_in_another_language_routes_the_same(
    client: FlaskClient, card: str, stored_requests: StoredRequests
) -> None:
    response = send_card_form(client, f"/ar/c/{card}")
    assert response.headers["Location"].endswith("/ar/sent")
    [stored] = stored_requests()
    assert stored.station and stored.station.code == "roanne"
    assert stored.page_language == "ar"


def test_card_form_errors_keep_the_card(
    client: FlaskClient, card: str, stored_requests: StoredRequests
) -> None:
    response = send_card_form(client, f"/fr/c/{card}", phone="nope")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'action="/fr/c/{card}"' in body
    assert 'name="station"' not in body
    assert stored_requests() == []


def test_card_of_a_closed_station_goes_to_the_coordinator(
    app: Flask, client: FlaskClient, card: str, stored_requests: StoredRequests
) -> None:
    with app.app_context():
        db.session().query(Station).filter_by(code="roanne").update({"active": False})
        db.session().commit()
    path = f"/fr/c/{card}"
    assert 'class="note"' in client.get(path).get_data(as_text=True)
    response = send_card_form(client, path)
    assert response.status_code == 303
    [stored] = stored_requests()
    assert stored.station_id is None
    assert "04\u00a065\u00a071\u00a000\u00a090" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
