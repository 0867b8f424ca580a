"""Catching naive bots without any third-party captcha: a honeypot field and a time trap.

What they catch is shown the form again, unsaved, and does not count against the sender's limit:
limits count only submissions that are stored.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from limits import RateLimitItem, parse_many
from limits.strategies import RateLimiter

from portal.core import limit_counters
from portal.core.extensions import client_address

log = logging.getLogger(__name__)

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


def within_submit_limit() -> bool:
    """Count one submission about to be stored against its client; False past SUBMIT_LIMITS.

    Called only once the honeypot, the time trap and CSRF have let the form through, so what
    they catch costs a sender nothing. The count is taken atomically in the rate-limit storage
    at this point rather than by Flask-Limiter's deduct_when, which tests before the view and
    deducts after it: concurrent sends from one address would all pass its test. If the storage
    cannot be reached, this process counts in its memory (see counters); never is the person
    turned away for a counter.
    """
    config = current_app.config
    items = parse_many(config["SUBMIT_LIMITS"])
    key = (config.get("RATELIMIT_KEY_PREFIX") or "", "submissions", client_address())
    try:
        return limit_counters.count(lambda counter: _count_submission(counter, items, key))
    except Exception:  # a dead counter must not refuse a person
        log.warning("submission counter unavailable")
        return True


def _count_submission(
    counter: RateLimiter, items: list[RateLimitItem], key: tuple[str, ...]
) -> bool:
    if not all(counter.test(item, *key) for item in items):
        return False
    return all([counter.hit(item, *key) for item in items])
