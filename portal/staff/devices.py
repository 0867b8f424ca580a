"""Browsers that signed in before, known by a signed device cookie (OWASP's "device cookies").

Failed passwords from such a browser lock that browser only; the per-account lock counts only
browsers the account never signed in from. So a stranger who types wrong passwords under her
name cannot keep her out of the browser she works in. The cookie lives on the staff side only
(path /staff), never on the public pages.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Flask, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from werkzeug.wrappers import Response

from portal.core import db
from portal.models import StaffDevice, StaffUser, utcnow
from portal.staff.sessions import STAFF_PREFIX

COOKIE = "staff_device"


def cookie_name(app: Flask) -> str:
    # `__Secure-` (not `__Host-`, which needs the path "/"): kept only over HTTPS.
    return "__Secure-" + COOKIE if app.config["HTTPS"] else COOKIE


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="staff-device")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cookie_token() -> str | None:
    raw = request.cookies.get(cookie_name(current_app))
    if not raw:
        return None
    try:
        token = _signer().loads(raw)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def this_browser(user: StaffUser) -> StaffDevice | None:
    """This browser's record for this account, if it signed in as her before."""
    token = _cookie_token()
    if token is None:
        return None
    query = select(StaffDevice).where(
        StaffDevice.token_hash == _hash(token), StaffDevice.staff_id == user.id
    )
    return db.session().scalars(query.with_for_update()).first()


def _label() -> str:
    """A short description of the browser for her list of devices ("Firefox on Linux")."""
    agent = request.user_agent.string
    browser = next((b for b in ("Edg", "Firefox", "Chrome", "Safari") if b in agent), "")
    system = next(
        (s for s in ("Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux") if s in agent), ""
    )
    names = {"Edg": "Edge", "Mac OS": "macOS"}
    parts = [names.get(browser, browser), names.get(system, system)]
    return " · ".join(p for p in parts if p) or "?"


def remember(user: StaffUser, response: Response) -> None:
    """After a successful sign-in: mark this browser as hers (a new token each time)."""
    known = this_browser(user)
    token = secrets.token_urlsafe(32)
    if known is None:
        known = StaffDevice(staff_id=user.id, label=_label())
        db.session().add(known)
    known.token_hash = _hash(token)
    known.failed_logins = 0
    known.locked_until = None
    known.last_used_at = utcnow()
    days = int(current_app.config["DEVICE_COOKIE_DAYS"])
    # The one cookie besides the session's: staff side only, signed, its path /staff.
    response.set_cookie(  # nosemgrep
        cookie_name(current_app),
        _signer().dumps(token),
        max_age=days * 86400,
        path=STAFF_PREFIX,
        secure=bool(current_app.config["HTTPS"]),
        httponly=True,
        samesite="Strict",
    )


def devices_of(user: StaffUser) -> list[StaffDevice]:
    query = select(StaffDevice).where(StaffDevice.staff_id == user.id)
    return list(db.session().scalars(query.order_by(StaffDevice.last_used_at.desc())))


def forget(user: StaffUser, device_id: int) -> bool:
    device = db.session().get(StaffDevice, device_id)
    if device is None or device.staff_id != user.id:
        return False
    db.session().delete(device)
    return True


def unlock_all(user: StaffUser) -> None:
    db.session().execute(
        update(StaffDevice)
        .where(StaffDevice.staff_id == user.id)
        .values(failed_logins=0, locked_until=None)
    )
