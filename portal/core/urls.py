"""Absolute addresses on the public base URL: printed on cards, sent in e-mails and invitations.

They are built by the routes themselves, from any context (a request, a command, a thread), and
always on `PUBLIC_BASE_URL`, never on the host a request happened to come through.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values: Any) -> str:
    """The address of `endpoint` (e.g. "public.card_form") under the public base URL."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/")
    # The path comes from the route (with the base's own path in front); the scheme and host
    # are written as configured, exactly as they are printed on cards already handed out.
    return f"{base.scheme}://{base.netloc}{adapter.build(endpoint, values)}"
