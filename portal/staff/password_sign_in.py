"""Signing in with a username, a password and a second factor (a code from her app, one of her
recovery codes, or her key), and the locks that slow down guessing without locking her out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.models import StaffUser, utcnow
from portal.staff import audit, auth, devices, passkeys, recovery_codes, sign_in_rules
from portal.staff.accounts import user_by_name


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    ok: bool
    locked: bool = False
    # The password is right and she has a key: the key is asked for next, as second factor.
    key_needed: bool = False
    # Her role signs in through the OpenID provider only.
    oidc_only: bool = False


def attempt_login(
    username: str,
    password: str,
    code: str,
    known_browser: Callable[[StaffUser], auth.Lockable | None] = lambda user: None,
) -> LoginResult:
    """Check all three at once, so the answer never says which one was wrong; the caller commits.

    Failures from a browser she signed in from before lock that browser only (`known_browser`);
    from any other browser they count against the account, so a stranger's wrong passwords
    never lock her out of her own browser.
    """
    user = user_by_name(username)
    password_ok = auth.check_password(user, password)
    if user is None or not user.active or not user.enrolled:
        # Counted and locked as an account would be, so that nothing tells the two apart.
        throttle = auth.throttle_for(username)
        if auth.is_locked(throttle):
            audit.record("login.locked", None, actor_label="-", target="")
            return LoginResult(None, ok=False, locked=True)
        auth.note_failure(throttle)
        audit.record("login.failure", None, actor_label="-", target="")
        return LoginResult(None, ok=False)
    browser = known_browser(user)
    counter: auth.Lockable = browser if browser is not None else user
    where = {"browser": "known" if browser is not None else "unknown"}
    if auth.is_locked(counter):
        audit.record("login.locked", user, target=f"user:{user.id}", **where)
        return LoginResult(user, ok=False, locked=True)
    if password_ok and not code.strip() and passkeys.has_passkey(user):
        return LoginResult(user, ok=False, key_needed=True)
    if not (password_ok and _second_factor_ok(user, code)):
        auth.note_failure(counter)
        audit.record("login.failure", user, target=f"user:{user.id}", **where)
        # The failure that sets the lock still reads as a plain failure, like for an unknown name.
        return LoginResult(user, ok=False)
    if sign_in_rules.oidc_required(user):
        audit.record("login.refused", user, target=f"user:{user.id}", reason="oidc_required")
        return LoginResult(user, ok=False, oidc_only=True)
    if browser is None:
        auth.note_success(user)
    else:
        # The account's own count (strangers' failures) stays: only this browser is cleared.
        counter.failed_logins = 0
        user.last_login_at = utcnow()
    audit.record("login.success", user, target=f"user:{user.id}", method="password", **where)
    return LoginResult(user, ok=True)


def _second_factor_ok(user: StaffUser, code: str) -> bool:
    """A fresh code from her app, or one of her unused recovery codes."""
    if recovery_codes.looks_like_one(code):
        return recovery_codes.use(user, code)
    return auth.accept_totp(user, code)


def unlock(user: StaffUser, actor: StaffUser | None) -> None:
    """Lift every lock on the account, from strangers' failures and her browsers' own."""
    user.failed_logins = 0
    user.locked_until = None
    devices.unlock_all(user)
    audit.record("user.unlock", actor, target=f"user:{user.id}")
