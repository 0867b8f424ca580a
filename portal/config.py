"""Configuration: defaults, then instance/config.py, then PORTAL_* environment variables."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from flask import Flask

DEFAULTS: dict[str, Any] = {
    # Languages of the public site, the first is the default.
    "PUBLIC_LANGUAGES": ["fr", "en", "ar", "tr", "pt", "es", "ro", "sq", "ru", "uk", "fa"],
    # Languages a call can be made in (interpreting by phone exists); configuration, not code.
    # Languages of the back office.
    "STAFF_LANGUAGES": ["fr", "en"],
    "CALL_LANGUAGES": ["fr", "en", "ar", "tr", "pt", "es", "ro", "sq", "ru", "uk", "fa"],
    "RIGHT_TO_LEFT": ["ar", "fa", "he", "ur", "ps"],
    "EXIT_URL": "https://meteofrance.com/",
    "RETENTION_DAYS": 90,
    "MAX_OPEN_PER_PHONE": 3,
    # Seconds the blank request form is served from memory (0 turns the cache off).
    "PAGE_CACHE_SECONDS": 10,
    "MIN_FILL_SECONDS": 2.0,
    "SUBMIT_LIMITS": "5 per minute;20 per hour",
    "SUBMIT_GLOBAL_LIMITS": "300 per hour",
    "CANCEL_LIMITS": "10 per hour",
    # Card codes looked up (a card's address opened), per client address: guessing stays slow.
    "CARD_CODE_LIMITS": "20 per minute;100 per hour",
    "RATELIMIT_STORAGE_URI": "memory://",
    # If Redis cannot be reached, count in each process's memory rather than refuse a request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # Staff accounts and sessions.
    "STAFF_IDLE_MINUTES": 15,
    "STAFF_ABSOLUTE_HOURS": 12,
    "INVITATION_HOURS": 72,
    "LOGIN_LOCK_AFTER": 5,
    "LOGIN_LOCK_MINUTES": 15,
    # Failed logins only: per client address, and per username whoever tries it.
    "LOGIN_LIMITS": "30 per 10 minutes",
    # As strict as the lock: known and unknown usernames meet the same page at the same point.
    "LOGIN_USER_LIMITS": "5 per 15 minutes",
    "TOTP_ISSUER": "Rappel Loire",
    # Notices of new requests by e-mail: off while SMTP_HOST is empty.
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_STARTTLS": False,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_FROM": "rappel@localhost",
    # The queue flags requests still open after this many days.
    "STALE_DAYS": 7,
    "TRUSTED_PROXIES": 0,
    "HTTPS": False,
    "CONTROLLER": "Département de la Loire, 2 rue Charles de Gaulle, 42022 Saint-Étienne Cedex",
    "CONTROLLER_CONTACT": "dpo@loire.fr",
    "COORDINATOR_PHONE": "+33465710000",  # a number reserved for fiction; set the real one
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    # Printed cards: a neutral name (nothing of violence or police), the language of their
    # wording, and the languages of the line "ask for a call in your language" on the back.
    "CARD_SERVICE_NAME": "Rappel Loire",
    "CARD_LANGUAGE": "fr",
    "CARD_LANGUAGES": ["en", "ar", "tr", "ru", "pt", "fa"],
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "SESSION_COOKIE_NAME": "s",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "WTF_CSRF_TIME_LIMIT": 4 * 3600,
    # Our pages send no Referer (Referrer-Policy: no-referrer), so Flask-WTF's HTTPS referrer
    # check would refuse every form; the session-bound token and SameSite=Strict guard instead.
    "WTF_CSRF_SSL_STRICT": False,
    "RATELIMIT_HEADERS_ENABLED": False,
    # Exact: a lock of 15 minutes ends after 15 minutes. (The cheaper sliding-window counter
    # weighs the previous window in, and kept staff locked out for longer than they are told.)
    "RATELIMIT_STRATEGY": "moving-window",
}

KEYS_FILE = "keys.json"


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config from defaults, the instance file and the environment, in that order."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config.from_prefixed_env("PORTAL")
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["HTTPS"])
    _load_keys(app)


def _load_keys(app: Flask) -> None:
    """Take keys from the environment, or from instance/keys.json, generated on first run."""
    needed = ("SECRET_KEY", "CARD_KEY", "BLIND_INDEX_KEY", "DATA_KEYS")
    if all(app.config.get(name) for name in needed):
        _normalise_data_keys(app)
        return
    stored = read_or_create_keys(Path(app.instance_path) / KEYS_FILE)
    for name in needed:
        if not app.config.get(name):
            app.config[name] = stored[name]
    _normalise_data_keys(app)


def _normalise_data_keys(app: Flask) -> None:
    keys = app.config["DATA_KEYS"]
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    app.config["DATA_KEYS"] = list(keys)


def new_keys() -> dict[str, Any]:
    """A fresh set of secrets: session signing, card signing, blind index, data encryption."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "CARD_KEY": secrets.token_urlsafe(48),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(48),
        "DATA_KEYS": [Fernet.generate_key().decode()],
    }


def read_or_create_keys(path: Path) -> dict[str, Any]:
    """Read the key file, creating it with owner-only permissions if it is missing."""
    if path.exists():
        stored: dict[str, Any] = json.loads(path.read_text())
        return stored
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = new_keys()
    write_keys(path, keys)
    return keys


def write_keys(path: Path, keys: dict[str, Any]) -> None:
    """Write the key file atomically, readable by its owner only."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(keys, fh, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
