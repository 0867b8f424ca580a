"""The way to the login page when a session is over: say why, and keep what she was sending."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.staff import auth, drafts

REQUEST_FORMS = "staff.request_"


def _kept_form() -> bool:
    """Keep the request-page form this expired session was sending, for its account."""
    endpoint = request.endpoint or ""
    request_id = (request.view_args or {}).get("request_id")
    if request.method != "POST" or not endpoint.startswith(REQUEST_FORMS):
        return False
    staff_id = auth.lapsed_staff_id()
    if staff_id is None or not isinstance(request_id, int):
        return False
    return drafts.keep(staff_id, request_id, endpoint[len(REQUEST_FORMS) :], request.form)


def to_login() -> ResponseReturnValue:
    """Send to the login page; a browser whose session ran out is told so, and what it was
    sending is kept unsaved for after the login."""
    if isinstance(session.get(auth.SESSION_KEY), str):
        minutes = current_app.config["STAFF_IDLE_MINUTES"]
        if _kept_form():
            flash(
                _(
                    "Your session ended after %(minutes)s minutes without activity. What you "
                    "typed was kept but not saved: log in to get back to it.",
                    minutes=minutes,
                ),
                "error",
            )
        else:
            flash(
                _(
                    "Your session ended after %(minutes)s minutes without activity. Log in again.",
                    minutes=minutes,
                ),
                "error",
            )
        session.pop(auth.SESSION_KEY, None)
    return redirect(url_for("staff.login"))
