"""A proof of work the site's own script solves while the person types (ALTCHA, v1 challenges).

Never needed: without JavaScript, or unsolved, a request is stored as any other. Solved, it keeps
the request's place in the queue during a flood. The challenge is signed with a key derived from the
secret key and expires; each solution is accepted once (counted in the rate-limit storage).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import logging

from altcha import v1 as altcha_v1
from flask import current_app
from limits import parse

from portal.core.extensions import limiter

log = logging.getLogger(__name__)
# Placeholder in the cached form page, replaced by a fresh challenge for each visitor.
CHALLENGE_SLOT = "\x00proof-challenge\x00"


def _hmac_key() -> str:
    secret = str(current_app.config["SECRET_KEY"])
    return hashlib.sha256(f"proof-of-work:{secret}".encode()).hexdigest()


def new_challenge() -> str:
    """A fresh challenge as JSON, for the form's data-proof attribute."""
    minutes = int(current_app.config["PROOF_EXPIRES_MINUTES"])
    options = altcha_v1.ChallengeOptions(
        hmac_key=_hmac_key(),
        max_number=int(current_app.config["PROOF_MAX_NUMBER"]),
        expires=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes),
    )
    challenge = altcha_v1.create_challenge(options)
    return json.dumps(challenge.to_dict(), separators=(",", ":"))


def _first_use(signature: str) -> bool:
    """True the first time a solution is shown; a storage that cannot be reached says no."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    minutes = int(current_app.config["PROOF_EXPIRES_MINUTES"])
    once = parse(f"1 per {minutes + 1} minutes")
    try:
        return bool(limiter.limiter.hit(once, prefix, "proof", signature))
    except Exception:  # without the counter a replay cannot be told: the proof earns nothing
        log.warning("proof counter unavailable")
        return False


def solved(payload: str | None) -> bool:
    """Whether the form carries a valid, unexpired, unused solution; anything else is False."""
    if not payload or len(payload) > 1024:
        return False
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
        ok, _error = altcha_v1.verify_solution(payload, _hmac_key(), check_expires=True)
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError):
        return False  # whatever is sent, the answer is only "not solved"
    if not (ok and isinstance(data, dict)):
        return False
    return _first_use(str(data.get("signature", "")))
