"""Signing in through the OpenID provider: the start, and the callback it sends her back to."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from portal.backoffice.blueprint import bp
from portal.backoffice.login_views import ID_TOKEN_KEY, login_limits, signed_in
from portal.core import db
from portal.core.extensions import limiter
from portal.core.urls import public_url
from portal.staff import identities, oidc
from portal.staff.sessions import cookie_name


def _no_provider() -> ResponseReturnValue:
    return render_template("staff/oidc_refused.html"), 400


@bp.get("/oidc/start")
def oidc_start() -> ResponseReturnValue:
    if not oidc.enabled():
        return _no_provider()
    try:
        return oidc.start(public_url("staff.oidc_callback"))
    except oidc.SignInRefused as refused:
        return _refused(refused)


@bp.get("/oidc/callback")
@limiter.limit(login_limits, deduct_when=lambda r: r.status_code != 303)
def oidc_callback() -> ResponseReturnValue:
    if not oidc.enabled():
        return _no_provider()
    if _arrived_without_cookie():
        # A provider on another site sends her back by a cross-site redirect, which carries no
        # SameSite=Strict cookie: one same-site step more, and her session comes with it.
        again = url_for("staff.oidc_callback") + "?" + urlencode({**request.args, "again": "1"})
        return render_template("staff/oidc_continue.html", url=again)
    try:
        proven = oidc.finish()
        user = identities.account_for(proven)
    except oidc.SignInRefused as refused:
        return _refused(refused)
    response = signed_in(user)
    session[ID_TOKEN_KEY] = proven.id_token  # for the provider's logout
    return response


def _arrived_without_cookie() -> bool:
    return cookie_name(current_app, "staff") not in request.cookies and "again" not in request.args


def _refused(refused: oidc.SignInRefused) -> ResponseReturnValue:
    """A plain page, the same whatever the reason; the audit log keeps the reason."""
    db.session().rollback()
    identities.record_refusal(refused.reason, refused.user)
    return render_template("staff/oidc_refused.html"), 403
