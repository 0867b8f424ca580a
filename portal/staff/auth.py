"""Staff authentication: passwords, TOTP codes, lockout and server-side sessions."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Protocol, cast

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, session
from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from portal.core import crypto, db
from portal.models import LoginThrottle, StaffSession, StaffUser, utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
SESSION_KEY = "staff"
_hasher = PasswordHasher()  # Argon2id with the library's recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so that the answer takes as long as for a known
    one. Made on first use, not at import: every command would pay for it."""
    return _hasher.hash(secrets.token_urlsafe(16))


class PasswordRejected(ValueError):
    """The new password breaks a rule; the message says which, in plain words."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# The site's own words: a password built from them is guessed first.
SITE_WORDS = ("loire", "portal", "portail", "rappel", "callback", "staff", "departement")


def own_words(username: str, display_name: str = "") -> list[str]:
    """Her names and the site's words, as the strength check is given them."""
    config = current_app.config
    text = " ".join([username, display_name, config["TOTP_ISSUER"], config["CARD_SERVICE_NAME"]])
    words = re.split(r"[\s._@-]+", text.lower())
    return sorted({w for w in [*words, *SITE_WORDS] if len(w) >= 3})


def password_problem(password: str, username: str, display_name: str = "") -> str | None:
    """Why a new password is refused, as a key of PASSWORD_PROBLEMS, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "long"
    if username and username.lower() in password.lower():
        return "username"
    from zxcvbn import zxcvbn  # its word lists take a while to load: only when asked

    words = own_words(username, display_name)
    if zxcvbn(password[:100], user_inputs=words)["score"] < 3:
        return "common"
    # What is left once her names and the site's words are taken out must hold on its own
    # ("Loire2026Portal!" leaves "2026!").
    rest = password
    for word in sorted(words, key=len, reverse=True):
        rest = re.sub(re.escape(word), "", rest, flags=re.IGNORECASE)
    if rest != password and (len(rest) < 8 or zxcvbn(rest[:100], user_inputs=words)["score"] < 3):
        return "site"
    return None


def check_password(user: StaffUser | None, password: str) -> bool:
    """Verify a password in about the same time whether or not the user exists."""
    stored = user.password_hash if user and user.password_hash else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None or user.password_hash is None:
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: StaffUser, secret: str) -> str:
    issuer = current_app.config["TOTP_ISSUER"]
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def totp_secret(user: StaffUser) -> str | None:
    return crypto.decrypt(user.totp_secret_enc)


def accept_totp(user: StaffUser | None, code: str, secret: str | None = None) -> bool:
    """True for a current code never used before; the accepted step is remembered."""
    secret = secret or (totp_secret(user) if user else None)
    code = "".join(ch for ch in code if ch.isdigit())
    if user is None or not secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now = time.time()
    for drift in (0, -1, 1):  # one step of clock drift either way
        step = totp.timecode(dt.datetime.fromtimestamp(now, dt.UTC)) + drift
        if step <= user.totp_last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return _claim_step(user, step)
    return False


def _claim_step(user: StaffUser, step: int) -> bool:
    """Take the step unless another request took it first: two logins racing with one code
    cannot both win, because the database applies this conditional update once."""
    claimed = cast(
        CursorResult[Any],
        db.session().execute(
            update(StaffUser)
            .where(StaffUser.id == user.id, StaffUser.totp_last_step < step)
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        ),
    )
    if claimed.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


class Lockable(Protocol):
    """What counts failed logins: an account, or a username that opens none."""

    failed_logins: int
    locked_until: dt.datetime | None


def is_locked(user: Lockable) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def note_failure(user: Lockable) -> None:
    """Count a failed login; too many in a row lock the account (or the name) for a while."""
    user.failed_logins += 1
    if user.failed_logins >= current_app.config["LOGIN_LOCK_AFTER"]:
        minutes = current_app.config["LOGIN_LOCK_MINUTES"]
        user.locked_until = utcnow() + dt.timedelta(minutes=minutes)
        user.failed_logins = 0


def throttle_for(username: str) -> LoginThrottle:
    """The failure count of a username that opens no account, locked for this transaction so
    that two processes counting the same name at once count twice, not once."""
    key = crypto.blind_index(username.strip().lower(), purpose="login")
    session = db.session()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(LoginThrottle)
        .values(key=key, failed_logins=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
    )
    query = select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
    throttle = session.scalars(query.execution_options(populate_existing=True)).one()
    throttle.updated_at = utcnow()
    return throttle


def forget_old_login_failures() -> int:
    """Drop the counts of names nobody tried for a day (no lock lasts that long by default)."""
    horizon = dt.timedelta(minutes=max(24 * 60, 2 * current_app.config["LOGIN_LOCK_MINUTES"]))
    result = cast(
        "CursorResult[Any]",
        db.session().execute(
            delete(LoginThrottle).where(LoginThrottle.updated_at < utcnow() - horizon)
        ),
    )
    return result.rowcount or 0


def note_success(user: StaffUser) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: StaffUser) -> None:
    """A brand-new session: whatever the browser held before is ended and dropped (no fixation,
    and no copy of the old cookie left working)."""
    _end_this_browsers_session()
    token = secrets.token_urlsafe(32)
    db.session().add(StaffSession(token_hash=_token_hash(token), staff_id=user.id))
    session.clear()
    session[SESSION_KEY] = token


@dataclass(frozen=True)
class CurrentStaff:
    user: StaffUser
    record: StaffSession


def current_staff() -> CurrentStaff | None:
    """The logged-in staff member, or None when the session is missing, ended or expired.

    Marks the session's activity (or its end); the request commits it, refused pages included.
    """
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    record = (
        db.session()
        .scalars(select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
        .first()
    )
    if record is None or record.ended_at is not None:
        return None
    now = utcnow()
    idle = dt.timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    absolute = dt.timedelta(hours=current_app.config["STAFF_ABSOLUTE_HOURS"])
    user = record.staff
    if now - record.last_seen_at > idle or now - record.created_at > absolute or not user.active:
        record.ended_at = now  # committed with the request, whatever page it answers
        return None
    record.last_seen_at = now
    return CurrentStaff(user=user, record=record)


def lapsed_staff_id() -> int | None:
    """The account whose session this browser held and which has ended (idle or absolute
    limit, or ended from the server): what she typed then is kept for that account alone."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    query = select(StaffSession.staff_id).where(StaffSession.token_hash == _token_hash(token))
    return db.session().scalars(query).first()


def _end_this_browsers_session() -> None:
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        db.session().execute(
            update(StaffSession)
            .where(StaffSession.token_hash == _token_hash(token), StaffSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_session() -> None:
    """Log out of this browser."""
    _end_this_browsers_session()
    session.clear()


def end_all_sessions(user: StaffUser) -> None:
    """End every session of a user at once: logout, deactivation, new password."""
    db.session().execute(
        update(StaffSession)
        .where(StaffSession.staff_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
