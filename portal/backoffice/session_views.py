"""The session's idle limit, shown on every page with a way to stay signed in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ConfirmForm
from portal.core.timezone import PARIS
from portal.staff.access import Area


@dataclass(frozen=True)
class SessionEnd:
    """When the session ends without activity, and when to warn before."""

    at: str  # Paris time, "14:32"
    idle_seconds: int
    warning_seconds: int


@bp.app_template_global()
def session_end() -> SessionEnd:
    """The idle limit as of this page: every page seen starts it again."""
    idle = int(current_app.config["STAFF_IDLE_MINUTES"]) * 60
    warning = min(int(current_app.config["STAFF_IDLE_WARNING_MINUTES"]) * 60, idle)
    ends = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=idle)
    return SessionEnd(format_datetime(ends.astimezone(PARIS), "HH:mm"), idle, warning)


def _back_to() -> str:
    """The back-office page the button was pressed on; never another site."""
    target = request.form.get("next", "")
    if target.startswith("/staff/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("staff.home")


@bp.post("/session/keep")
@area(Area.SESSION)
def keep_session() -> ResponseReturnValue:
    """Reaching this view already counted as activity: say so, and go back."""
    if not ConfirmForm().validate_on_submit():
        return redirect(_back_to(), 303)
    if request.form.get("background") == "1":  # the page's script asked: it shows the new time
        return "", 204
    flash(_("You are still signed in, until %(time)s without activity.", time=session_end().at))
    return redirect(_back_to(), 303)
