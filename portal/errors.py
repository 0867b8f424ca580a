"""Error pages: a clear page in the person's language whatever goes wrong, never a trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import db
from .numbers import emergency_numbers

log = logging.getLogger(__name__)


def _render(status: int, csrf: bool = False) -> tuple[str, int]:
    if request.path.startswith("/staff"):
        return render_template("staff/error.html", status=status, csrf=csrf), status
    return (
        render_template(
            "public/error.html", status=status, csrf=csrf, emergency=emergency_numbers()
        ),
        status,
    )


def http_error(error: HTTPException) -> tuple[str, int]:
    return _render(error.code or 500)


def csrf_error(_error: CSRFError) -> tuple[str, int]:
    return _render(400, csrf=True)


def database_error(error: SQLAlchemyError) -> tuple[str, int]:
    # The exception class only: a statement or its parameters could carry personal data.
    log.error("database unavailable: %s", type(error).__name__)
    try:
        db.session().rollback()
    except SQLAlchemyError:
        pass
    return _render(503)


def unexpected_error(error: Exception) -> tuple[str, int]:
    log.error("unexpected error on %s %s: %s", request.method, request.path, type(error).__name__)
    return _render(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(SQLAlchemyError, database_error)
    app.register_error_handler(InternalServerError, unexpected_error)
    app.register_error_handler(Exception, unexpected_error)
