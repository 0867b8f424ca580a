"""Configuration: defaults, then instance/config.py, then PORTAL_* environment variables."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from flask import Config, Flask

from portal.core import production

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
    # Longer than the site's languages: telephone interpreting covers far more. A call in any of
    # them but French needs an interpreter (see casework.interpreting).
    "CALL_LANGUAGES": [
        "fr",
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
        "ps",
        "ur",
        "bn",
        "ta",
        "ka",
        "hy",
        "so",
        "ti",
        "zh",
        "vi",
        "bg",
        "pl",
        "it",
        "de",
    ],
    "RIGHT_TO_LEFT": ["ar", "fa", "he", "ur", "ps"],
    "EXIT_URL": "https://meteofrance.com/",
    "RETENTION_DAYS": 90,
    # Days the audit log is kept (12 months, as the CNIL recommends for logs); 0 keeps it for ever.
    "AUDIT_RETENTION_DAYS": 365,
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
    # Seconds a Redis command (or connection) may take before the counters fall back to memory.
    "REDIS_TIMEOUT_SECONDS": 0.5,
    # Seconds a web request may hold a database connection: past that it is cut, and she is told
    # that nothing was saved, rather than waiting for as long as a network cut lasts.
    "DATABASE_DEADLINE_SECONDS": 4.0,
    # How often a process looks at instance/keys.json for rotated data keys, and how long a
    # rotation waits, after putting a new key first, for every process to write with it.
    "KEY_CHECK_SECONDS": 0.5,
    "KEY_PICKUP_SECONDS": 2.0,
    # If Redis cannot be reached, count in each process's memory rather than refuse a request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # Staff accounts and sessions.
    "STAFF_IDLE_MINUTES": 15,
    "STAFF_ABSOLUTE_HOURS": 12,
    # Minutes before the idle limit when the page warns that the session is about to end.
    "STAFF_IDLE_WARNING_MINUTES": 3,
    # How long what a person typed is kept when her session ended before it could be saved.
    "STAFF_DRAFT_MINUTES": 60,
    # How long a group marked as spam can be put back into "to check".
    "SPAM_UNDO_DAYS": 7,
    "INVITATION_HOURS": 72,
    "LOGIN_LOCK_AFTER": 5,
    "LOGIN_LOCK_MINUTES": 15,
    # Failed logins per client address. Per username (known or not), the lock above applies,
    # counted in the database so that every process gives the same answer at the same attempt.
    "LOGIN_LIMITS": "30 per 10 minutes",
    # Referrals sent by one officer's account: a hurried evening is served, a runaway session not.
    "REFERRAL_LIMITS": "10 per minute;60 per hour",
    "TOTP_ISSUER": "Rappel Loire",
    # Staff sign-in through an OpenID provider (ProConnect, a Keycloak...): off while the issuer
    # is empty. ACR_VALUES lists the assurance levels accepted, space-separated.
    "OIDC_ISSUER": "",
    "OIDC_CLIENT_ID": "",
    "OIDC_CLIENT_SECRET": "",
    "OIDC_ACR_VALUES": "",
    "OIDC_LABEL": "",
    "OIDC_SCOPES": "openid email profile",
    "OIDC_TIMEOUT_SECONDS": 5,
    "OIDC_LEEWAY_SECONDS": 60,
    # Roles asked to add a passkey or security key (a list, or names separated by commas).
    "PASSKEY_REQUIRED_ROLES": ["admin"],
    # The passkeys' relying party: the host of PUBLIC_BASE_URL unless set.
    "WEBAUTHN_RP_ID": "",
    # How long a browser she signed in from stays known (its own failures lock only itself).
    "DEVICE_COOKIE_DAYS": 180,
    # Notices of new requests by e-mail: off while SMTP_HOST is empty.
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_STARTTLS": False,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_FROM": "rappel@localhost",
    # An SMTP server that does not answer holds a notice no longer than this; it is tried again.
    "SMTP_TIMEOUT_SECONDS": 5.0,
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
    "CARD_LANGUAGES": ["en", "ar", "tr", "ru", "uk", "pt", "fa"],
    # The national helplines on the back; a coordinator may print cards without them.
    "CARD_HELPLINES": True,
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
    # /healthz waits this long for its checks before answering 503.
    "READINESS_SECONDS": 3.0,
    # /metrics answers these addresses or networks only (a list, or separated by commas).
    "METRICS_ALLOW": ["127.0.0.0/8", "::1"],
    # A file the backup job writes after each good backup (a time, or its own modification
    # time); /metrics shows it as portal_last_backup_timestamp_seconds.
    "BACKUP_STAMP": "",
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
        database = Path(app.instance_path) / "portal.sqlite3"
        if not database.exists():
            production.refuse_unnamed_instance(app.instance_path, "the database file")
        app.config["DATABASE_URL"] = f"sqlite:///{database}"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["HTTPS"])
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    production.check(app.config, DEFAULTS)
    _load_keys(app)


def settings_without_keys() -> Config:
    """The configuration as the app will read it (defaults, instance/config.py, the PORTAL_*
    environment) without touching keys: for gunicorn.conf.py, before any worker starts."""
    named = os.environ.get("PORTAL_INSTANCE_PATH")
    instance = named or Flask("portal", instance_relative_config=True).instance_path
    config = Config(os.path.abspath(instance))
    config.from_mapping(DEFAULTS)
    config.from_pyfile("config.py", silent=True)
    config.from_prefixed_env("PORTAL")
    return config


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
    if not path.exists():
        production.refuse_unnamed_instance(app.instance_path, "new keys")
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
