"""Error pages: a clear page in the person's language whatever goes wrong, never a trace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from portal.core import db
from portal.core.helplines import emergency_numbers
from portal.core.i18n import language_in_path, locale_of
from portal.core.security import is_staff_path

log = logging.getLogger(__name__)

# Where a request names the page to answer with if what it was saving could not be saved.
NOT_SAVED_PAGE = "not_saved_page"


def _language_in_path() -> str | None:
    """The locale of the public language the address starts with, also when no route matched."""
    lang = language_in_path()
    return locale_of(lang) if lang else None


def render_error(status: int, csrf: bool = False) -> tuple[str, int]:
    """The error page; for a failure (5xx) it reads nothing from the database, which may be the
    very thing that failed: the back office's menu and name are left out."""
    if status >= 500:
        g.pop("staff", None)
    try:
        return _render_error(status, csrf)
    except Exception as exc:  # the error page itself must never become an empty 500
        log.error("error page failed: %s", type(exc).__name__)
        return _plain_error_page(), status


def _plain_error_page() -> str:
    """The last resort: the words and numbers that matter, without templates."""
    numbers = "".join(
        f'<li><a href="{escape(number.href)}">{escape(number.number)}</a> '
        f"{escape(number.label)}</li>"
        for number in emergency_numbers()
    )
    title = escape(gettext("The service is unavailable"))
    text = escape(gettext("Nothing was saved. Please try again in a few minutes."))
    return f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p><ul>{numbers}</ul>"


def _render_error(status: int, csrf: bool) -> tuple[str, int]:
    if is_staff_path(request.path):
        return render_template("staff/error.html", status=status, csrf=csrf), status
    # A wrong method or an unknown page under /ar/ is still answered in Arabic.
    lang = _language_in_path()
    with force_locale(lang) if lang else nullcontext():
        page = render_template(
            "public/error.html", status=status, csrf=csrf, emergency=emergency_numbers()
        )
    return page, status


def untrusted_host(_error: SecurityError) -> tuple[str, int, dict[str, str]]:
    """A Host header naming no site of ours: a plain answer, since no address can be built for
    it (nginx drops such requests before they come here)."""
    lang = _language_in_path()
    with force_locale(lang) if lang else nullcontext():
        text = gettext("Something is wrong with the request")
    return text + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def http_error(error: HTTPException) -> tuple[str, int]:
    return render_error(error.code or 500)


def csrf_error(_error: CSRFError) -> tuple[str, int]:
    return render_error(400, csrf=True)


def database_error(error: SQLAlchemyError) -> ResponseReturnValue:
    # The exception class only: a statement or its parameters could carry personal data.
    log.error("database unavailable: %s", type(error).__name__)
    try:
        db.session().rollback()
    except SQLAlchemyError:
        pass
    # A form that was being sent says plainly that it was not saved.
    page: Callable[[], ResponseReturnValue] | None = g.pop(NOT_SAVED_PAGE, None)
    if page is not None and not is_staff_path(request.path):
        try:
            return page()
        except Exception as exc:  # the plain error page below still shows the numbers
            log.error("not-saved page failed: %s", type(exc).__name__)
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
