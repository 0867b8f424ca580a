"""One commit per request: domain functions change and flush, the request commits once at its end.

As in Indico's request handler, nothing inside a view or a getter commits. Once the view (or the
gate, or an error handler) has made its response, the request's session is committed, unless the
response is a failure (5xx), which rolls it back. A refused form or action (4xx) keeps what the
request did on purpose: the staff session's last activity, a failed login's count, the audit of a
case file that was read.

If the commit itself fails, the person never sees a success: the response becomes the page that
says nothing was saved (503), or the view's own such page, and any message flashed for the next
page is dropped. A concurrent change caught only at commit becomes a 409 page.

Writes that must not wait for the end of the request are their own, documented exceptions: the
public submission's own transaction (`callbacks.submit_request`, see `pipelines`), and
the batch jobs (retention purge, key sweep) that commit batch by batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, g, make_response, session
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.core import errors

log = logging.getLogger(__name__)

NOT_SAVED_PAGE = errors.NOT_SAVED_PAGE
AFTER_COMMIT = "after_commit"


def if_not_saved(page: Callable[[], ResponseReturnValue]) -> None:
    """Name the page to answer with if this request's commit fails (default: the 503 page)."""
    g.setdefault(NOT_SAVED_PAGE, page)


def after_commit(action: Callable[[], object]) -> None:
    """Run this once the request's commit succeeded (a notice of what it stored), never before."""
    g.setdefault(AFTER_COMMIT, []).append(action)


def _commit_or_roll_back(response: Response) -> Response:
    db_session: Session | None = g.get("db_session")
    if response.status_code >= 500:
        g.pop(AFTER_COMMIT, None)
        if db_session is not None:
            db_session.rollback()
        return response
    if db_session is not None:
        try:
            db_session.commit()
        except SQLAlchemyError as exc:
            return _not_saved(db_session, exc)
    for action in g.pop(AFTER_COMMIT, []):
        action()
    return response


def _not_saved(db_session: Session, exc: SQLAlchemyError) -> Response:
    """The answer when the commit failed: never the success the view had prepared."""
    # The exception class only: a statement or its parameters could carry personal data.
    log.error("commit failed: %s", type(exc).__name__)
    db_session.rollback()
    g.pop(AFTER_COMMIT, None)
    session.pop("_flashes", None)  # a "Done." would announce what was not saved
    if isinstance(exc, StaleDataError):
        return make_response(errors.render_error(409))
    page = g.pop(NOT_SAVED_PAGE, None)
    return make_response(page() if page is not None else errors.render_error(503))


def init_app(app: Flask) -> None:
    """Register last, so that the commit runs before the other after-request functions (which
    run in reverse order): a page replaced after a failed commit still gets every header."""
    app.after_request(_commit_or_roll_back)
