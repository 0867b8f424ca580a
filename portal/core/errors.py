"""Error pages: a clear page in the person's language whatever goes wrong, never a trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from portal.core import db
from portal.core.helplines import emergency_numbers
from portal.core.security import is_staff_path

log = logging.getLogger(__name__)


def render_error(status: int, csrf: bool = False) -> tuple[str, int]:
    if is_staff_path(request.path):
        return render_template("staff/error.html", status=status, csrf=csrf), status
    # The locale comes from the address as on every page (portal.core.i18n.select_locale).
    page = render_template(
        "public/error.html", status=status, csrf=csrf, emergency=emergency_numbers()
    )
    return page, status


def untrusted_host(_error: SecurityError) -> tuple[str, int, dict[str, str]]:
    """A Host header naming no site of ours: a plain answer, since no address can be built for
    it (nginx drops such requests before they come here)."""
    text = gettext("Something is wrong with the request")
    return text + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def http_error(error: HTTPException) -> tuple[str, int]:
    return render_error(error.code or 500)


def csrf_error(_error: CSRFError) -> tuple[str, int]:
    return render_error(400, csrf=True)


def database_error(error: SQLAlchemyError) -> tuple[str, int]:
    # The exception class only: a statement or its parameters could carry personal data.
    log.error("database unavailable: %s", type(error).__name__)
    try:
        db.session().rollback()
    except SQLAlchemyError:
        pass
    return render_error(503)


def unexpected_error(error: Exception) -> tuple[str, int]:
    log.error("unexpected error on %s %s: %s", request.method, request.path, type(error).__name__)
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(SecurityError, untrusted_host)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(SQLAlchemyError, database_error)
    app.register_error_handler(InternalServerError, unexpected_error)
    app.register_error_handler(Exception, unexpected_error)
