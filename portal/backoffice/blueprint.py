"""The back office's blueprint and its gate: closed by default, each view open only to its area's
roles (see `access`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, g, request
from flask.typing import ResponseReturnValue

from portal.backoffice import session_ended
from portal.staff import access, auth

bp = Blueprint("staff", __name__, url_prefix="/staff")

F = TypeVar("F", bound=Callable[..., Any])

# Reachable without a session: everything else needs one.
OPEN_ENDPOINTS = frozenset(
    {
        "staff.login",
        "staff.invitation",
        "staff.oidc_start",
        "staff.oidc_callback",
        "staff.login_key",
        "staff.passkey_options",
        "staff.passkey_sign_in",
    }
)


def area(name: access.Area) -> Callable[[F], F]:
    """Place a view in an area, open to that area's roles; a view without one is open to nobody."""

    def mark(view: F) -> F:
        view.access_area = name  # type: ignore[attr-defined]
        return view

    return mark


@bp.before_request
def require_staff() -> ResponseReturnValue | None:
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    current = auth.current_staff()
    if current is None:
        return session_ended.to_login()
    g.staff = current.user
    view = current_app.view_functions.get(request.endpoint or "")
    if not access.may_enter(current.user, getattr(view, "access_area", None)):
        abort(403)
    return None


# The largest id our integer columns hold: a longer number in an address is simply not found.
MAX_ID = 2**31 - 1


@bp.before_request
def refuse_malformed_input() -> None:
    """Answer plainly what no person types (NUL, huge ids), rather than let the database fail."""
    for key, items in request.form.lists():
        if "\x00" in key or any("\x00" in item for item in items):
            abort(400)
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            abort(404)
