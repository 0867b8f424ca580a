"""What the browser is allowed to keep: no typed field offered for autofill or restored, and no
session cookie once the confirmation has been shown."""

from __future__ import annotations

import re


def test_every_field_of_the_form_asks_the_browser_to_keep_nothing(client) -> None:
    body = client.get("/fr/").get_data(as_text=True)
    form = re.search(r"<form [^>]*>", body).group(0)
    assert 'autocomplete="off"' in form
    for name in ("phone", "name", "message", "if_someone_else", "no_call_after", "call_language"):
        tag = re.search(rf'<(?:input|textarea|select)[^>]*name="{name}"[^>]*>', body).group(0)
        assert 'autocomplete="off"' in tag, name
    assert 'autocomplete="tel"' not in body


def test_the_confirmation_removes_the_session_cookie(client, submit) -> None:
    response = submit()
    assert client.get_cookie("s") is not None
    page = client.get(response.headers["Location"])
    assert 'class="code"' in page.get_data(as_text=True)
    assert client.get_cookie("s") is None
    assert any(
        "s=;" in c and "Expires=Thu, 01 Jan 1970" in c for c in page.headers.getlist("Set-Cookie")
    )
