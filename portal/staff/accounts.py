"""Staff accounts: creation, invitations, roles, stations and deactivation, all audited."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select

from portal.casework import callback_queue
from portal.core import crypto, db
from portal.core.urls import public_url
from portal.models import Role, StaffUser, Station
from portal.staff import access, audit, auth
from portal.stations.registry import stations_with_codes

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


class AccountError(ValueError):
    """A change that cannot be made; `code` names the reason for the message shown."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="staff-invitation")


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def user_by_name(username: str) -> StaffUser | None:
    return (
        db.session()
        .scalars(select(StaffUser).where(StaffUser.username == username.strip().lower()))
        .first()
    )


def stations_by_code(codes: list[str]) -> list[Station]:
    stations = stations_with_codes(codes)
    if len(stations) != len(set(codes)):
        raise AccountError("unknown_station")
    return stations


def check_role_and_stations(role: str, stations: list[Station]) -> None:
    if role not in {r.value for r in Role}:
        raise AccountError("unknown_role")
    if role in access.STATION_BOUND and not stations:
        raise AccountError("station_needed")


def create_user(
    username: str,
    role: str,
    station_codes: list[str],
    display_name: str = "",
    actor: StaffUser | None = None,
    email: str | None = None,
) -> StaffUser:
    """Create an account waiting for its invitation to be used; the caller commits."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError("bad_username")
    if user_by_name(username) is not None:
        raise AccountError("username_taken")
    stations = stations_by_code(station_codes)
    check_role_and_stations(role, stations)
    user = StaffUser(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        stations=stations,
        email=email or None,
    )
    db.session().add(user)
    db.session().flush()
    # Whether notifications go to an address, never the address itself.
    noted: dict[str, Any] = {"notification_email": True} if user.email else {}
    audit.record(
        "user.create",
        actor,
        target=f"user:{user.id}",
        role=role,
        stations=sorted(station_codes),
        **noted,
    )
    return user


def invitation_link(user: StaffUser, actor: StaffUser | None = None) -> str:
    """A new one-time link to set a password and a TOTP device; any earlier link stops working."""
    nonce = secrets.token_urlsafe(16)
    user.invitation_nonce = _nonce_hash(nonce)
    token = _serializer().dumps({"u": user.id, "n": nonce})
    audit.record("user.invite", actor, target=f"user:{user.id}")
    return public_url("staff.invitation", token=token)


def user_for_invitation(token: str) -> StaffUser | None:
    """The user an invitation is for, if the link is genuine, recent and unused."""
    max_age = int(current_app.config["INVITATION_HOURS"]) * 3600
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except (BadData, UnicodeError):
        return None
    if not isinstance(payload, dict):
        return None
    user_id, nonce = payload.get("u"), payload.get("n")
    user = db.session().get(StaffUser, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or not isinstance(nonce, str) or not user.invitation_nonce:
        return None
    if not secrets.compare_digest(user.invitation_nonce, _nonce_hash(nonce)):
        return None
    return user


def complete_invitation(user: StaffUser, password: str, totp_secret: str) -> None:
    """Set the password and TOTP secret, use up the link and end any older session."""
    problem = auth.password_problem(password, user.username)
    if problem:
        raise auth.PasswordRejected(problem)
    user.password_hash = auth.hash_password(password)
    user.totp_secret_enc = crypto.encrypt(totp_secret)
    user.invitation_nonce = None
    user.failed_logins = 0
    user.locked_until = None
    auth.end_all_sessions(user)
    audit.record("user.enrol", user, target=f"user:{user.id}")


def update_user(
    user: StaffUser,
    role: str,
    station_codes: list[str],
    display_name: str,
    actor: StaffUser,
    *,
    email: str | None,
) -> None:
    """Change an account's role, stations, name and notification address, audited."""
    stations = stations_by_code(station_codes)
    check_role_and_stations(role, stations)
    if not access.may_give_role(actor, user, role):
        raise AccountError("own_role")
    before = {"role": user.role, "stations": sorted(s.code for s in user.stations)}
    if not access.role_holds_requests(role):
        callback_queue.release_requests_of(user)
    user.role = role
    user.stations = stations
    user.display_name = display_name.strip() or user.display_name
    noted = {"notification_email": "changed"} if (email or None) != user.email else {}
    user.email = email or None
    after = {"role": role, "stations": sorted(station_codes)}
    audit.record(
        "user.update", actor, target=f"user:{user.id}", before=before, after=after, **noted
    )


@dataclass(frozen=True)
class RoleChange:
    """What a change of role would do, shown to the coordinator before it is made."""

    before: str
    after: str
    stations_added: list[str]
    stations_removed: list[str]
    # Open requests the person holds, which go back to their stations' pool.
    requests_released: int


def role_change(
    user: StaffUser, role: str, station_codes: list[str], actor: StaffUser
) -> RoleChange | None:
    """The consequences of giving a user another role, or None when the role stays the same;
    refuses, as update_user would, a change that cannot be made."""
    stations = stations_by_code(station_codes)
    check_role_and_stations(role, stations)
    if not access.may_give_role(actor, user, role):
        raise AccountError("own_role")
    if role == user.role:
        return None
    current = {s.code: s.name for s in user.stations}
    chosen = {s.code: s.name for s in stations}
    released = 0
    if not access.role_holds_requests(role):
        released = callback_queue.held_count(user)
    return RoleChange(
        before=user.role,
        after=role,
        stations_added=sorted(n for c, n in chosen.items() if c not in current),
        stations_removed=sorted(n for c, n in current.items() if c not in chosen),
        requests_released=released,
    )


def set_active(user: StaffUser, active: bool, actor: StaffUser) -> None:
    if user.id == actor.id and not active:
        raise AccountError("own_account")
    user.active = active
    if not active:
        auth.end_all_sessions(user)
        user.invitation_nonce = None
        # Nobody left behind: what they held goes back to their stations' pool.
        callback_queue.release_requests_of(user)
    audit.record("user.activate" if active else "user.deactivate", actor, target=f"user:{user.id}")


def reset_user(user: StaffUser, actor: StaffUser | None) -> str:
    """Forget password and device, end every session, and make a new invitation link."""
    user.password_hash = None
    user.totp_secret_enc = None
    user.totp_last_step = 0
    auth.end_all_sessions(user)
    audit.record("user.reset", actor, target=f"user:{user.id}")
    return invitation_link(user, actor)


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    ok: bool
    locked: bool = False


def attempt_login(username: str, password: str, code: str) -> LoginResult:
    """Check all three at once, so the answer never says which one was wrong; the caller commits."""
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
    if auth.is_locked(user):
        audit.record("login.locked", user, target=f"user:{user.id}")
        return LoginResult(user, ok=False, locked=True)
    if not (password_ok and auth.accept_totp(user, code)):
        auth.note_failure(user)
        audit.record("login.failure", user, target=f"user:{user.id}")
        # The failure that sets the lock still reads as a plain failure, like for an unknown name.
        return LoginResult(user, ok=False)
    auth.note_success(user)
    audit.record("login.success", user, target=f"user:{user.id}")
    return LoginResult(user, ok=True)
