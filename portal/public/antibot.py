"""Catching naive bots without any third-party captcha: a honeypot field and a time trap."""

from __future__ import annotations

import time

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer


def seconds_since_form_loaded(csrf_token: str | None) -> float | None:
    """How long ago the page carrying this CSRF token was served.

    Flask-WTF signs each CSRF token with the time it rendered the form, so the token already is
    the signed timestamp the time trap needs; no extra field is added to the form.
    """
    if not csrf_token:
        return None
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
    try:
        _raw, signed_at = serializer.loads(csrf_token, return_timestamp=True)
    except BadData:
        return None
    return time.time() - signed_at.timestamp()


def looks_like_a_bot(honeypot: str | None, csrf_token: str | None) -> bool:
    """True for a filled honeypot or a form sent faster than a person can fill it."""
    if honeypot:
        return True
    age = seconds_since_form_loaded(csrf_token)
    return age is None or age < float(current_app.config["MIN_FILL_SECONDS"])
