"""Passkeys and security keys: signing in with one, and adding one from her account page."""

from __future__ import annotations

from flask import g, jsonify, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.backoffice.blueprint import area, bp
from portal.backoffice.login_views import PENDING_KEY, PENDING_SECONDS, login_limits, signed_in
from portal.core import crypto, db
from portal.core.extensions import limiter
from portal.models import StaffUser, utcnow
from portal.staff import audit, passkeys, sign_in_rules
from portal.staff.access import Area


def _pending() -> tuple[bool, StaffUser | None]:
    """Whether a password sign-in waits for a key, and whose (None when the password was wrong)."""
    sealed = session.get(PENDING_KEY)
    data = crypto.unseal(sealed, PENDING_SECONDS) if isinstance(sealed, str) else None
    if not data:
        return False, None
    user_id = data.get("user")
    user = db.session().get(StaffUser, user_id) if isinstance(user_id, int) else None
    return True, user if user is not None and user.active else None


@bp.get("/login/key")
def login_key() -> ResponseReturnValue:
    """The second step of a password sign-in: the same page whether the password was right."""
    if not _pending()[0]:
        return render_template("staff/login_key.html", expired=True), 400
    return render_template("staff/login_key.html", expired=False)


def _json(text: str) -> ResponseReturnValue:
    return text, 200, {"Content-Type": "application/json"}


@bp.post("/passkey/options")
@limiter.limit(login_limits)
def passkey_options() -> ResponseReturnValue:
    """A fresh challenge: for her keys after her password, or for any key on its own."""
    second = request.args.get("step") == "second"
    waiting, user = _pending()
    if second and not waiting:
        return jsonify(error=_("Your sign-in expired. Start again.")), 400
    return _json(passkeys.authentication_options(second, user))


@bp.post("/passkey/sign-in")
@limiter.limit(login_limits, deduct_when=lambda r: r.status_code != 200)
def passkey_sign_in() -> ResponseReturnValue:
    """Check the key's answer; a password's failures never block this (no lock is asked)."""
    refused = jsonify(error=_("This key was not accepted. Try again or use another way."))
    try:
        second = request.args.get("step") == "second"
        user = passkeys.authenticate(passkeys.parse_json(request.get_data()), second)
    except passkeys.PasskeyRejected as exc:
        audit.record("passkey.refused", None, actor_label="-", reason=str(exc))
        return refused, 400
    if not user.active or sign_in_rules.oidc_required(user):
        audit.record("passkey.refused", user, target=f"user:{user.id}", reason="not_allowed")
        return refused, 400
    audit.record("login.success", user, target=f"user:{user.id}", method="passkey")
    # No lock count changes: a key is its own proof, whatever a password guesser did.
    user.last_login_at = utcnow()
    return signed_in(user, jsonify(redirect=url_for("staff.home")))


@bp.post("/account/passkeys/options")
@area(Area.ACCOUNT)
def passkey_registration_options() -> ResponseReturnValue:
    return _json(passkeys.registration_options(g.staff))


@bp.post("/account/passkeys")
@area(Area.ACCOUNT)
def passkey_register() -> ResponseReturnValue:
    try:
        body = passkeys.parse_json(request.get_data())
        credential, name = body.get("credential"), body.get("name")
        if not isinstance(credential, dict):
            raise passkeys.PasskeyRejected("invalid")
        passkeys.register(g.staff, credential, name if isinstance(name, str) else "")
    except passkeys.PasskeyRejected:
        db.session().rollback()
        return jsonify(error=_("The key could not be added. Try again.")), 400
    return jsonify(redirect=url_for("staff.account"))
