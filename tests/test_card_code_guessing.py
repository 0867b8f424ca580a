"""Card codes cannot be guessed faster on another method: HEAD, GET and POST all count against
the same per-address limit, and a card's address answers the same for a code that names a card
and one that does not (the look-up shows only on the form, one limited try at a time)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from helpers.web import VALID_FORM, csrf_token

from portal.core import crypto, db
from portal.models import Station
from portal.stations.cards import current_batch


def a_real_code(app: Flask) -> str:
    with app.app_context():
        station = db.session().query(Station).filter_by(code="firminy").one()
        code: str = current_batch(station).short_code
        db.session().commit()
    return code


def forwarded(n: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"203.0.113.{n}", "Accept-Language": "en"}


def test_sixty_head_guesses_from_one_address_meet_the_limit(make_app: Any) -> None:
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    answers = [client.head(f"/ZZZ-Z{n:02d}", headers=forwarded(7)).status_code for n in range(60)]
    assert 429 in answers
    assert answers.count(302) <= 20
    # Another address is not held back by this one.
    assert client.head("/ZZZ-ZZZ", headers=forwarded(8)).status_code == 302


def test_a_valid_and_an_invalid_code_get_the_same_answer(app: Flask) -> None:
    real = a_real_code(app)
    printed = f"{real[:3]}-{real[3:]}"
    answers = []
    for code in (printed, "ZZZ-ZZZ"):
        for method in ("HEAD", "GET"):
            response = app.test_client().open(f"/{code}", method=method, headers=forwarded(9))
            cookie = "Set-Cookie" in response.headers
            answers.append((method, response.status_code, response.headers["Location"], cookie))
    assert answers[:2] == answers[2:]
    # What the cookie seals has the same length for both (the session's compression then
    # varies its size at random, whatever the code).
    with app.test_request_context():
        found = crypto.seal({"typed": printed, "found": 1})
        not_found = crypto.seal({"typed": "ZZZ-ZZZ", "found": 0})
    assert len(found) == len(not_found)


def test_every_method_on_a_card_form_counts(make_app: Any) -> None:
    app = make_app(CARD_CODE_LIMITS="3 per minute")
    client: FlaskClient = app.test_client()
    assert client.head("/fr/c/ZZZ-ZZ1").status_code == 200
    assert client.get("/fr/c/ZZZ-ZZ2").status_code == 200
    token = csrf_token(client, "/fr/c/ZZZ-ZZ3")  # the fourth look-up
    posted = client.post("/fr/c/ZZZ-ZZ4", data={**VALID_FORM, "csrf_token": token})
    assert posted.status_code == 429
    assert client.head("/ZZZ-ZZ5").status_code == 429
    # A code typed into the plain form is a look-up too.
    typed = client.post("/fr/", data={**VALID_FORM, "card_code": "ZZZ-ZZ6", "csrf_token": token})
    assert typed.status_code == 429
    # Sending the plain form without a code is not held back by guessing.
    plain = client.post("/fr/", data={**VALID_FORM, "station": "unknown", "csrf_token": token})
    assert plain.status_code == 303


def test_the_limit_page_says_when_to_try_again(make_app: Any) -> None:
    app = make_app(CARD_CODE_LIMITS="1 per hour")
    client = app.test_client()
    client.get("/ZZZ-ZZ1")
    page = client.get("/ZZZ-ZZ2", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You can try again in 1 hour." in page or "You can try again in 60 minutes." in page
