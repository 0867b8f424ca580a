"""Phone numbers as people read them: groups that never wrap, kept left to right in any language."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from portal.core.phone_numbers import display_phone, phone_in_text, phone_text

NBSP = "\u00a0"


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("+33465710001", "04 65 71 00 01"),
        ("04 65 71 00 01", "04 65 71 00 01"),
        ("+442079460958", "+44 20 7946 0958"),
        ("116006", "116 006"),
        ("17", "17"),
    ],
)
def test_groups_are_joined_by_no_break_spaces(raw: str, shown: str) -> None:
    assert display_phone(raw) == shown.replace(" ", NBSP)
    assert " " not in display_phone(raw)


def test_in_html_the_number_is_isolated_left_to_right() -> None:
    assert str(phone_text("+33465710001")) == (
        f'<bdi dir="ltr" class="phone">04{NBSP}65{NBSP}71{NBSP}00{NBSP}01</bdi>'
    )
    assert "&lt;b&gt;" in str(phone_text("<b>"))


def test_in_plain_text_the_number_is_isolated_by_unicode_controls() -> None:
    assert phone_in_text("0612345678") == f"\u206606{NBSP}12{NBSP}34{NBSP}56{NBSP}78\u2069"


def test_the_form_hint_shows_the_example_unbroken(client: FlaskClient) -> None:
    body = client.get("/ar/").get_data(as_text=True)
    assert f"\u206606{NBSP}12{NBSP}34{NBSP}56{NBSP}78\u2069" in body
