"""Reading pages and sending forms as a browser would."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """Load a page as a browser would and take its CSRF token."""
    page = client.get(path)
    found = CSRF_RE.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


VALID_FORM: dict[str, Any] = {
    "phone": "06 12 34 56 78",
    "name": "Sam",
    "windows": ["10:00-12:00", "14:00-17:00"],
    "call_language": "fr",
    "danger": "no",
    "message": "Après 14 h c'est mieux.",
    "consent": "y",
    "station": "st-etienne",
}


def text_of(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def hidden_value(page: str, name: str) -> str | None:
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and 'type="hidden"' in tag:
            found = re.search(r'value="([^"]*)"', tag)
            return found.group(1) if found else None
    return None


def csrf_of(page: str) -> str | None:
    """The page's CSRF token, as any of its forms sends it."""
    return hidden_value(page, "csrf_token")


ROW_RE = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)


LINK_RE = re.compile(r'href="/staff/requests/(\d+)"')


def rows(page: str) -> list[tuple[int, str]]:
    """The queue's rows in order, in every group: request id and the row's text."""
    body = page.split("<tbody>", 1)[1].rsplit("</tbody>", 1)[0]
    found = []
    for row in ROW_RE.findall(body):
        link = LINK_RE.search(row)
        if link:
            text = html.unescape(re.sub(r"<[^>]+>", " ", row))
            found.append((int(link.group(1)), " ".join(text.split())))
    return found


def found_in(pattern: str | re.Pattern[str], text: str, group: int = 1) -> str:
    """What a pattern finds in a page, which the test knows is there; its absence fails the test."""
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not found"
    return found.group(group)
