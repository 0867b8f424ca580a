"""Her number as the service understood it: France by default, another country when she
chooses it or types +, and the confirmation repeats its country code and last digits."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask.testing import FlaskClient


def confirmation(client: FlaskClient, submit: Any, **fields: Any) -> str:
    response = submit("/en/", **fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


@pytest.mark.parametrize(
    ("typed", "country", "stored", "shown"),
    [
        ("06 71 23 45 67", None, "+33671234567", "+33 … 45 67"),
        ("067 123 4567", "UA", "+380671234567", "+380 … 4567"),
        ("+380 67 123 4567", None, "+380671234567", "+380 … 4567"),
        ("+380 67 123 4567", "FR", "+380671234567", "+380 … 4567"),
    ],
)
def test_the_number_is_read_in_her_country_and_read_back(
    app: Any, client: FlaskClient, submit: Any, stored_requests: Any,
    typed: str, country: str | None, stored: str, shown: str,
) -> None:  # fmt: skip
    page = confirmation(client, submit, phone=typed, phone_country=country)
    assert f"We will call the number ending in {shown}." in page
    from portal.core import crypto

    with app.app_context():
        assert crypto.decrypt(stored_requests()[0].phone_enc) == stored


def test_the_form_offers_a_country_france_first(client: FlaskClient) -> None:
    page = html.unescape(client.get("/uk/").get_data(as_text=True))
    assert 'name="phone_country"' in page
    assert '<option selected value="FR">Франція (+33)</option>' in page
    assert "Україна (+380)" in page
    assert "+380 67 123 4567" in page  # the example of a number from abroad


def test_the_country_chosen_is_the_one_read_back(client: FlaskClient, submit: Any) -> None:
    """A French number sent with Germany chosen is read as German, and the confirmation says
    +49: she can see that it is not what she meant."""
    page = confirmation(client, submit, phone="06 71 23 45 67", phone_country="DE")
    assert "We will call the number ending in +49 " in page
    refused = submit("/en/", phone="12", phone_country="UA")
    assert refused.status_code == 400
