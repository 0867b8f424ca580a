"""Easy-to-read French is easier than French: its form asks only what a safe call needs, with at
most three quarters of French's words and fewer controls, and a request sent from it is whole."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient

EASY, PLAIN = "fr-falc", "fr"
CONTROLS = {"input", "select", "textarea", "button"}


class FormReader(HTMLParser):
    """The words a person reads in the page's main part and the controls she can use there."""

    def __init__(self) -> None:
        super().__init__()
        self.in_main = 0
        self.hidden = 0
        self.words: list[str] = []
        self.controls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "main":
            self.in_main += 1
        if "aria-hidden" in found or found.get("class") == "hp":
            self.hidden += 1 if tag == "div" else 0
        if self.in_main and not self.hidden and tag in CONTROLS and found.get("type") != "hidden":
            self.controls.append(found.get("name") or tag)
        if tag == "option" and self.in_main:
            self.controls.append("option")

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main -= 1
        if tag == "div" and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if self.in_main and not self.hidden:
            self.words += re.findall(r"\w+", data)


def read(client: FlaskClient, lang: str) -> FormReader:
    reader = FormReader()
    reader.feed(client.get(f"/{lang}/").get_data(as_text=True))
    return reader


def test_the_easy_form_has_three_quarters_of_the_words_and_fewer_controls(
    client: FlaskClient,
) -> None:
    easy, plain = read(client, EASY), read(client, PLAIN)
    assert len(easy.words) <= 0.75 * len(plain.words), (len(easy.words), len(plain.words))
    assert len(easy.controls) < len(plain.controls), (easy.controls, plain.controls)
    # What a safe call needs is still asked.
    for name in ("phone", "windows", "danger", "consent"):
        assert name in easy.controls, name


def test_a_request_from_the_short_form_is_stored_whole(
    client: FlaskClient, submit: Any, stored_requests: Any
) -> None:
    response = submit(
        f"/{EASY}/",
        phone="06 12 34 56 78",
        name=None,
        call_language=None,
        message=None,
        station=None,
        windows=["14:00-17:00"],
    )
    assert response.status_code == 303
    (stored,) = stored_requests()
    assert stored.call_language == "fr" and stored.safe_windows == ["14:00-17:00"]
    assert stored.safe_days is None and stored.voicemail_ok is False
