"""Configuration: defaults, then instance/config.py, then PORTAL_* environment variables."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from flask import Flask

DEFAULTS: dict[str, Any] = {
    # Languages of the public site, the first is the default; "fr-falc" is easy-to-read French.
    "PUBLIC_LANGUAGES": [
        "fr",
        "fr-falc",
        "en",
        "ar",
        "tr",
        "pt",
        "es",
        "ro",
        "sq",
        "ru",
        "uk",
        "fa",
    ],
    # Languages a call can be made in (interpreting by phone exists); configuration, not code.
    # Languages of the back office.
    "STAFF_LANGUAGES": ["fr", "en"],
    "CALL_LANGUAGES": ["fr", "en", "ar", "tr", "pt", "es", "ro", "sq", "ru", "uk", "fa"],
    "RIGHT_TO_LEFT": ["ar", "fa", "he", "ur", "ps"],
    "EXIT_URL": "https://meteofrance.com/",
    "RETENTION_DAYS": 90,
    # Open requests stored apart per number; later ones are folded into the newest (bounded).
    "MAX_OPEN_PER_PHONE": 10,
    # Seconds the blank request form is served from memory (0 turns the cache off).
    "PAGE_CACHE_SECONDS": 10,
    "MIN_FILL_SECONDS": 2.0,
    "SUBMIT_LIMITS": "5 per minute;20 per hour",
    # Unknown requests (no card, referral or proof of work) go to the queue up to this rate;
    # beyond it they are stored and confirmed in the "to check" lane.
    "UNKNOWN_RATE": "60 per hour",
    "FLOOD_NOTICE_EVERY": "1 per 6 hours",
    # The proof of work the form's script solves while she types: a native solver needs about 80 ms
    # on one core for this range (bench/proof_cost.py), a phone a second or two. A bot pays little
    # more than a phone could bear, so a proof only buys a bounded rate (below).
    "PROOF_MAX_NUMBER": 150_000,
    # A solved proof earns the queue only within these rates (per station, and for all together);
    # beyond them a request is unknown. Cards and referrals keep their place at any volume.
    "PROOF_STATION_RATE": "10 per hour",
    "PROOF_RATE": "30 per hour",
    "PROOF_EXPIRES_MINUTES": 120,
    "CANCEL_LIMITS": "10 per hour",
    # Card codes looked up (a card's address opened), per client address: guessing stays slow.
    "CARD_CODE_LIMITS": "20 per minute;100 per hour",
    "RATELIMIT_STORAGE_URI": "memory://",
    # How often a process looks at instance/keys.json for rotated data keys, and how long a
    # rotation waits, after putting a new key first, for every process to write with it.
    "KEY_CHECK_SECONDS": 0.5,
    "KEY_PICKUP_SECONDS": 2.0,
    # If Redis cannot be reached, count in each process's memory rather than refuse a request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # Staff accounts and sessions.
    "STAFF_IDLE_MINUTES": 15,
    "STAFF_ABSOLUTE_HOURS": 12,
    "INVITATION_HOURS": 72,
    "LOGIN_LOCK_AFTER": 5,
    "LOGIN_LOCK_MINUTES": 15,
    # Failed logins per client address. Per username (known or not), the lock above applies,
    # counted in the database so that every process gives the same answer at the same attempt.
    "LOGIN_LIMITS": "30 per 10 minutes",
    # Referrals sent by one officer's account: a hurried evening is served, a runaway session not.
    "REFERRAL_LIMITS": "10 per minute;60 per hour",
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
    # A request is overdue when no call was tried within this many working hours (Europe/Paris,
    # Monday to Friday, French public holidays excluded) of its arrival.
    "FIRST_CONTACT_HOURS": 8,
    "WORKING_HOURS": "09:00-17:00",
    "TRUSTED_PROXIES": 0,
    "HTTPS": False,
    "CONTROLLER": "Département de la Loire, 2 rue Charles de Gaulle, 42022 Saint-Étienne Cedex",
    "CONTROLLER_CONTACT": "dpo@loire.fr",
    "COORDINATOR_PHONE": "+33465710000",  # a number reserved for fiction; set the real one
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    # Host names answered besides the one of PUBLIC_BASE_URL and loopback (a list, or names
    # separated by commas; ".example.fr" takes every subdomain). Any other Host gets a bare 400,
    # so that no address built from it (redirects, links) can point elsewhere.
    "TRUSTED_HOSTS": [],
    # Printed cards: a neutral name (nothing of violence or police), the language of their
    # wording, and the languages of the line "ask for a call in your language" on the back.
    "CARD_SERVICE_NAME": "Rappel Loire",
    "CARD_LANGUAGE": "fr",
    "CARD_LANGUAGES": ["en", "ar", "tr", "ru", "pt", "fa"],
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    # The public and the back-office session cookies (`__Host-` prefixed under HTTPS).
    "SESSION_COOKIE_NAME": "s",
    "STAFF_SESSION_COOKIE_NAME": "staff",
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
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    _load_keys(app)


# Names of this machine itself: health checks and the dev server are asked for by them.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


def trusted_hosts(config: dict[str, Any]) -> list[str]:
    """The public base URL's host, loopback, and the configured extra names, without repeats."""
    extra = config.get("TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = extra.split(",")
    base = urlsplit(str(config["PUBLIC_BASE_URL"])).hostname
    names = [base or "", *LOOPBACK_HOSTS, *(str(name).strip().lower() for name in extra)]
    return list(dict.fromkeys(name for name in names if name))


def _load_keys(app: Flask) -> None:
    """Take keys from the environment, or from instance/keys.json, generated on first run."""
    needed = ("SECRET_KEY", "CARD_KEY", "BLIND_INDEX_KEY", "DATA_KEYS")
    if all(app.config.get(name) for name in needed):
        _normalise_data_keys(app)
        return
    path = Path(app.instance_path) / KEYS_FILE
    stored = read_or_create_keys(path)
    if not app.config.get("DATA_KEYS"):
        # Data keys from the file are watched: a rotation reaches running processes.
        app.config["DATA_KEYS_FILE"] = str(path)
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
