"""Emergency numbers can be tapped wherever they are written, in every language: the form's
"in danger now?" box and the help page included."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from portal.public.tappable import tappable_numbers

LANGS = ["fr", "fr-falc", "en", "ar", "es", "fa", "pt", "ro", "ru", "sq", "tr", "uk"]


def danger_box(body: str) -> str:
    found = re.search(r'<div class="alert" id="danger-now">(.*?)</div>', body, re.S)
    assert found, "no danger box"
    return found.group(1)


@pytest.mark.parametrize("lang", LANGS)
def test_the_danger_box_offers_a_tappable_17_112_and_114(client: FlaskClient, lang: str) -> None:
    box = danger_box(client.get(f"/{lang}/").get_data(as_text=True))
    assert '<a class="tap" href="tel:17">17</a>' in box
    assert '<a class="tap" href="tel:112">112</a>' in box
    assert '<a class="tap" href="sms:114">114</a>' in box


def test_the_help_page_sentence_is_tappable_too(client: FlaskClient) -> None:
    body = client.get("/en/help").get_data(as_text=True)
    sentence = re.search(r"<p>This site is not an emergency service.*?</p>", body, re.S)
    assert sentence and 'href="tel:17"' in sentence.group(0)


def test_only_whole_numbers_are_linked_and_text_stays_escaped() -> None:
    linked = str(tappable_numbers("<b>17:00, 2017, 1170, 116 006 or 3919</b>"))
    assert "&lt;b&gt;" in linked
    assert 'href="tel:17"' not in linked
    assert '<a class="tap" href="tel:116006">116 006</a>' in linked
    assert '<a class="tap" href="tel:3919">3919</a>' in linked
