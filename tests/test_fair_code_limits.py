"""Limits fair to people who share an address: only wrong codes count when opening a request,
saves and cancels never do, and the limit page says in words when to try again."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient
from helpers.web import VALID_FORM, csrf_token

CODE_RE = re.compile(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>')
PATH = "/en/cancel"


def her_code(client: FlaskClient) -> str:
    data = {**VALID_FORM, "station": "unknown", "csrf_token": csrf_token(client, "/en/")}
    sent = client.post("/en/", data=data, follow_redirects=True).get_data(as_text=True)
    found = CODE_RE.search(sent)
    assert found
    return found.group(1)


def open_with(client: FlaskClient, code: str) -> Any:
    data = {"code": code, "csrf_token": csrf_token(client, PATH)}
    return client.post(PATH, data=data, follow_redirects=True)


def test_only_wrong_codes_count_and_the_wait_is_said(make_app: Any) -> None:
    app = make_app(CANCEL_LIMITS="2 per hour")
    code = her_code(app.test_client())
    # Her own code, opened again and again from the same address (a shared mobile network):
    for _ in range(4):
        visit = app.test_client()
        assert "Waiting: nobody has called you yet." in html.unescape(
            open_with(visit, code).get_data(as_text=True)
        )
        step = {"step": "change", "windows": ["08:00-10:00"], "csrf_token": csrf_token(visit, PATH)}
        assert visit.post(PATH, data=step, follow_redirects=True).status_code == 200
    guesser = app.test_client()
    assert [open_with(guesser, f"ZZZZ-ZZZ{n}").status_code for n in range(2)] == [200, 200]
    limited = open_with(guesser, "ZZZZ-ZZZ9")
    assert limited.status_code == 429
    page = html.unescape(limited.get_data(as_text=True))
    assert re.search(r"You can try again in \d+ (minutes?|hours?)\.", page), page[-600:]


def test_the_help_page_says_what_a_phone_keeps(client: FlaskClient) -> None:
    page = html.unescape(client.get("/en/help").get_data(as_text=True))
    for measured in (
        "Android (Chrome) and iPhone (Safari)",
        "as a tile",
        "more lines of this site than it shows",
        "Recent tabs",
        "network settings",
        "the card's code is not kept",
    ):
        assert measured in page, measured
