"""Catching naive bots without any third-party captcha: a honeypot field and a time trap."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

# A form sent back with errors keeps the token of the page first served, up to this age, so
# that the time trap counts from when she began and not from the error page.
KEEP_FIRST_TOKEN_SECONDS = 3600


def seconds_since_form_loaded(csrf_token: str | None) -> float | None:
    """How long ago the page carrying this CSRF token was served.

    Flask-WTF signs each CSRF token with the time it rendered the form, so the token already is
    the signed timestamp the time trap needs; no extra field is added to the form.
    """
    if not csrf_token:
        return None
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.config["SECRET_KEY"]
    serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
    try:
        _raw, signed_at = serializer.loads(csrf_token, return_timestamp=True)
    except BadData:
        return None
    loaded_at: float = signed_at.timestamp()
    return time.time() - loaded_at


def looks_like_a_bot(honeypot: str | None, csrf_token: str | None) -> bool:
    """True for a filled honeypot or a form sent faster than a person can fill it."""
    if honeypot:
        return True
    age = seconds_since_form_loaded(csrf_token)
    return age is None or age < float(current_app.config["MIN_FILL_SECONDS"])


def keep_first_token(csrf_field: Any) -> None:
    """Render again the token that was sent, so that fixing one error quickly is not 'too fast'."""
    age = seconds_since_form_loaded(csrf_field.data)
    if age is not None and age < KEEP_FIRST_TOKEN_SECONDS:
        csrf_field.current_token = csrf_field.data
