"""Every public page names itself in its title (RGAA 8.6), each a different title, in every
language; and the headings of each page keep their order (RGAA 9.1)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.web import csrf_token

TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S)
HEADING_RE = re.compile(r"<h([1-6])\b")
CODE_RE = re.compile(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>')


def title(body: str) -> str:
    found = TITLE_RE.search(body)
    assert found, "no title"
    return html.unescape(found.group(1)).strip()


def headings_in_order(body: str) -> bool:
    levels = [int(level) for level in HEADING_RE.findall(body)]
    return (
        bool(levels)
        and levels[0] == 1
        and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    )


def every_public_page(app: Flask, submit: Any, lang: str) -> dict[str, str]:
    """Each public page as a person meets it, by name: its HTML."""
    client: FlaskClient = app.test_client()
    pages: dict[str, str] = {}

    def get(name: str, path: str) -> None:
        pages[name] = client.get(path).get_data(as_text=True)

    for name in ("", "help", "directory", "privacy", "accessibility", "cancel", "sent"):
        get(name or "form", f"/{lang}/{name}")
    pages["not found"] = client.get(f"/{lang}/nowhere").get_data(as_text=True)
    errors = client.post(f"/{lang}/", data={"csrf_token": csrf_token(client, f"/{lang}/")})
    pages["form with errors"] = errors.get_data(as_text=True)
    other = app.test_client()
    sent = other.post(
        f"/{lang}/",
        data={
            "phone": "06 12 34 56 78",
            "windows": ["10:00-12:00"],
            "danger": "yes",
            "consent": "y",
            "station": "unknown",
            "call_language": "fr",
            "csrf_token": csrf_token(other, f"/{lang}/"),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    pages["confirmation"] = sent
    code = CODE_RE.search(sent)
    assert code, "no code on the confirmation"
    path = f"/{lang}/cancel"

    def post(**data: str) -> str:
        data = {"csrf_token": csrf_token(other, path), **data}
        return other.post(path, data=data, follow_redirects=True).get_data(as_text=True)

    pages["her request"] = post(code=code.group(1))
    pages["cancel asked"] = post(step="ask-cancel")
    pages["cancelled"] = post(step="cancel")
    unknown = app.test_client()
    pages["unknown code"] = unknown.post(
        path,
        data={"code": "ZZZZ-ZZZZ", "csrf_token": csrf_token(unknown, path)},
        follow_redirects=True,
    ).get_data(as_text=True)
    return pages


@pytest.mark.parametrize("lang", ["fr", "en", "fr-falc"])
def test_every_public_page_has_a_title_of_its_own(app: Flask, submit: Any, lang: str) -> None:
    pages = every_public_page(app, submit, lang)
    titles = {name: title(body) for name, body in pages.items()}
    assert len(set(titles.values())) == len(titles), titles
    for name, body in pages.items():
        assert headings_in_order(body), name
