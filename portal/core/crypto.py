"""Field encryption with a key ring, keyed blind indexes, and short one-time codes."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

log = logging.getLogger(__name__)

# Crockford's base32 without easily confused letters: easy to read out and type on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


@functools.lru_cache(maxsize=8)
def _ring_of(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def _file_stamp(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def refresh_data_keys(app: Flask, force: bool = False) -> None:
    """Take the data keys from instance/keys.json again when the file changed.

    A running process notices a rotation without a restart: the file is looked at at most every
    KEY_CHECK_SECONDS, and at once when a field opens with none of the keys held.
    """
    path = app.config.get("DATA_KEYS_FILE")
    if not path:
        return
    watch = app.extensions.setdefault("portal_key_watch", {"checked": 0.0, "stamp": None})
    now = time.monotonic()
    if not force and now - watch["checked"] < float(app.config["KEY_CHECK_SECONDS"]):
        return
    watch["checked"] = now
    stamp = _file_stamp(path)
    if stamp is None or stamp == watch["stamp"]:
        return
    try:
        with open(path) as fh:
            keys = json.load(fh)["DATA_KEYS"]
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("key file unreadable; keeping the keys held")
        return
    if isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys):
        app.config["DATA_KEYS"] = list(keys)
        watch["stamp"] = stamp


def _ring() -> MultiFernet:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    refresh_data_keys(app)
    return _ring_of(tuple(app.config["DATA_KEYS"]))


def encrypt(value: str | None) -> str | None:
    """Encrypt one field under the current (first) data key."""
    if value is None or value == "":
        return None
    return _ring().encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    """Decrypt one field with whichever key of the ring made it."""
    if token is None:
        return None
    try:
        return _ring().decrypt(token.encode()).decode()
    except InvalidToken:
        # Perhaps re-encrypted by a rotation this process has not seen yet: look again, once.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if not app.config.get("DATA_KEYS_FILE"):
            raise
        refresh_data_keys(app, force=True)
        return _ring().decrypt(token.encode()).decode()


def reencrypt(token: str | None) -> str | None:
    """Re-encrypt a field under the current key, for key rotation."""
    if token is None:
        return None
    return _ring().rotate(token.encode()).decode()


def blind_index(value: str, purpose: str = "phone") -> str:
    """A keyed hash that finds equal values without storing them."""
    key = current_app.config["BLIND_INDEX_KEY"].encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def new_code(length: int = 8) -> str:
    """A random code shown once to the person, grouped by four: 'K7QX-3MTA'."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return "-".join(raw[i : i + 4] for i in range(0, length, 4))


def normalise_code(code: str) -> str:
    """Accept the code as typed: lower case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def code_hash(code: str) -> str:
    """Keyed hash of a one-time code, so the database alone cannot be used to cancel."""
    return blind_index(normalise_code(code), purpose="cancel")


@functools.lru_cache(maxsize=8)
def _seal_fernet(secret_key: str | bytes) -> Fernet:
    digest = hashlib.sha256(f"seal:{secret_key!s}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _session_fernet() -> Fernet:
    return _seal_fernet(current_app.config["SECRET_KEY"])


def seal(data: dict[str, Any]) -> str:
    """Encrypt a small dict for the session cookie, which is otherwise only signed."""
    return _session_fernet().encrypt(json.dumps(data).encode()).decode()


def unseal(token: str, max_age: int) -> dict[str, Any] | None:
    """Open what seal() made, or None when it is old, foreign or damaged."""
    try:
        opened: dict[str, Any] = json.loads(_session_fernet().decrypt(token.encode(), ttl=max_age))
        return opened
    except (InvalidToken, ValueError, TypeError):
        return None
