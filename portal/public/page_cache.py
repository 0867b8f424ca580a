"""A short-lived per-process cache of the request form as first served, which is the same for
every visitor of one address: only the CSRF token differs, and it is put in for each request.
The station list the form offers and checks is kept the same way.

Rendering the form's fields costs far more than everything else on the page's path; the cache
keeps the page fast on a small server. Entries live a few seconds (PAGE_CACHE_SECONDS), so a
station renamed or a card revoked shows within that delay; a form with errors is never cached.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from flask_wtf.csrf import generate_csrf

T = TypeVar("T")
TOKEN_SLOT = "\x00csrf-token\x00"  # noqa: S105  (a placeholder, not a secret)
MAX_ENTRIES = 256


def _store() -> dict[tuple[str, ...], tuple[float, str]]:
    store: dict[tuple[str, ...], tuple[float, str]]
    store = current_app.extensions.setdefault("portal_page_cache", {})
    return store


def cached_page(key: tuple[str, ...], render: Callable[[], str]) -> str:
    """The page for this key, rendered at most once per PAGE_CACHE_SECONDS, with a fresh token."""
    token = generate_csrf()
    ttl = float(current_app.config["PAGE_CACHE_SECONDS"])
    if ttl <= 0:
        return render()
    store = _store()
    now = time.monotonic()
    entry = store.get(key)
    if entry is None or now - entry[0] > ttl:
        html = render()
        if token not in html:
            return html
        if len(store) >= MAX_ENTRIES:
            store.clear()
        entry = (now, html.replace(token, TOKEN_SLOT))
        store[key] = entry
    return entry[1].replace(TOKEN_SLOT, token)


def cached_value(key: str, load: Callable[[], T], ttl: float | None = None) -> T:
    """A small value read from the database, kept as long as a cached page (stations, say)."""
    if ttl is None:
        ttl = float(current_app.config["PAGE_CACHE_SECONDS"])
    store: dict[str, tuple[float, object]] = current_app.extensions.setdefault(
        "portal_value_cache", {}
    )
    now = time.monotonic()
    entry = store.get(key)
    if ttl <= 0 or entry is None or now - entry[0] > ttl:
        entry = (now, load())
        store[key] = entry
    return entry[1]  # type: ignore[return-value]
