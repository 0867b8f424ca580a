"""Logging in and out, accepting an invitation, and the home page of each role."""

from __future__ import annotations

import segno
from flask import current_app, flash, g, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ConfirmForm, InvitationForm, LoginForm
from portal.core import crypto, db
from portal.core.extensions import limiter
from portal.core.fields import add_error
from portal.staff import accounts, auth, drafts
from portal.staff.access import Area

PASSWORD_PROBLEMS = {
    "short": lambda: _("Use at least 12 characters."),
    "long": lambda: _("Use at most 256 characters."),
    "username": lambda: _("Do not put your username in your password."),
    "common": lambda: _("This password is too common or too easy to guess. Try a short sentence."),
}
ENROLMENT_KEY = "enrolment"
ENROLMENT_MAX_AGE = 3600


def _login_limits() -> str:
    return str(current_app.config["LOGIN_LIMITS"])


# Per username, known or not, failures are counted in the database (accounts.attempt_login).
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limits, methods=["POST"], deduct_when=lambda r: r.status_code != 303)
def login() -> ResponseReturnValue:
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("staff/login.html", form=form), 400 if form.is_submitted() else 200
    result = accounts.attempt_login(
        form.username.data or "", form.password.data or "", form.code.data or ""
    )
    if result.ok and result.user is not None:
        auth.start_session(result.user)
        return redirect(_landing(result.user.id), 303)
    if result.ok:
        return redirect(url_for("staff.home"), 303)
    if result.locked:
        # The page the per-username limit gives: a lock must not tell that the account exists.
        return render_template("staff/error.html", status=429, csrf=False), 429
    # The username stays (she mistyped one field, not all); the password and code never do.
    again = LoginForm(formdata=None, username=form.username.data)
    return render_template("staff/login.html", form=again, failed=True), 400


def _landing(staff_id: int) -> str:
    """Where a login leads: back to the request whose form her expired session kept, if any."""
    request_id = drafts.latest_request(staff_id)
    if request_id is not None:
        return url_for("staff.request_page", request_id=request_id)
    return url_for("staff.home")


@bp.post("/logout")
@area(Area.SESSION)
def logout() -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        auth.end_all_sessions(g.staff)
        auth.end_session()
    flash(_("You are logged out."))
    return redirect(url_for("staff.login"), 303)


def _enrolment_secret() -> str:
    """The TOTP secret being enrolled, kept encrypted in the session between GET and POST."""
    sealed = session.get(ENROLMENT_KEY)
    data = crypto.unseal(sealed, ENROLMENT_MAX_AGE) if isinstance(sealed, str) else None
    kept = data.get("secret") if data else None
    if isinstance(kept, str):
        return kept
    secret = auth.new_totp_secret()
    session[ENROLMENT_KEY] = crypto.seal({"secret": secret})
    return secret


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limits, methods=["POST"], deduct_when=lambda r: r.status_code != 303)
def invitation(token: str) -> ResponseReturnValue:
    user = accounts.user_for_invitation(token)
    if user is None:
        return render_template("staff/invitation_invalid.html"), 404
    secret = _enrolment_secret()
    form = InvitationForm()
    if form.validate_on_submit():
        if not auth.accept_totp(user, form.code.data or "", secret=secret):
            add_error(form.code, _("This code is not right. Check the time on your phone."))
        else:
            try:
                accounts.complete_invitation(user, form.password.data or "", secret)
            except auth.PasswordRejected as exc:
                add_error(form.password, PASSWORD_PROBLEMS[str(exc)]())
            else:
                session.pop(ENROLMENT_KEY, None)
                flash(_("Your account is ready. Log in with your new password and a fresh code."))
                return redirect(url_for("staff.login"), 303)
        db.session().rollback()
    uri = auth.totp_uri(user, secret)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "staff/invitation.html", form=form, user=user, secret=secret, qr=qr, uri=uri
    ), status
