"""What the browser is allowed to keep: no typed field offered for autofill or restored, and no
session cookie once the confirmation has been shown."""

from __future__ import annotations

from flask.testing import FlaskClient
from helpers.fixture_types import Submit
from helpers.web import found_in


def test_every_field_of_the_form_asks_the_browser_to_keep_nothing(client: FlaskClient) -> None:
    body = client.get("/fr/").get_data(as_text=True)
    form = found_in(r"<form [^>]*>", body, 0)
    assert 'autocomplete="off"' in form
    for name in ("phone", "name", "message", "if_someone_else", "no_call_after", "call_language"):
        tag = found_in(rf'<(?:input|textarea|select)[^>]*name="{name}"[^>]*>', body, 0)
        assert 'autocomplete="off"' in tag, name
    assert 'autocomplete="tel"' not in body


def test_the_confirmation_changes_the_cookie_and_the_next_request_removes_it(
    client: FlaskClient, submit: Submit
) -> None:
    """A cookie changed after the page was served keeps Chromium from restoring the page from
    its back-forward cache; the page's own stylesheet, asked for next, ends the visit."""
    response = submit()
    assert client.get_cookie("s") is not None
    page = client.get(response.headers["Location"])
    assert 'class="code"' in page.get_data(as_text=True)
    assert any(c.startswith("s=") for c in page.headers.getlist("Set-Cookie"))
    style = client.get("/static/portal.css")
    assert style.status_code == 200
    assert client.get_cookie("s") is None
    assert any(
        "s=;" in c and "Expires=Thu, 01 Jan 1970" in c for c in style.headers.getlist("Set-Cookie")
    )
