"""Her request, opened with the code shown once (never in an address): where it stands, her safe
times, and cancelling after one more question. Every form here is posted, then redirected to a
plain page, so the browser keeps nothing she typed to send again."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.core import crypto, db, transactions
from portal.core.extensions import limiter
from portal.intake import self_service
from portal.models import CallbackRequest
from portal.public.blueprint import bp, not_saved_page, safe_times_form
from portal.public.forms import CancelForm, SafeTimesForm

# A request opened with its code stays open for changes this many seconds.
CASE_MAX_AGE = 900
# What the next plain page shows after a post: "changed", "confirm", "cancelled" or "unknown".
OUTCOME = "case-outcome"


def _cancel_limits() -> str:
    return str(current_app.config["CANCEL_LIMITS"])


def _wrong_code(_response: Response) -> bool:
    """Only a code that matched nothing counts: her own tries, saves and cancels never do."""
    return bool(g.get("wrong_case_code"))


def _filled(form: SafeTimesForm, current: CallbackRequest) -> SafeTimesForm:
    form.windows.data = list(current.safe_windows)
    form.days.data = [str(d) for d in current.safe_days or []]
    form.no_call_after.data = current.do_not_call_after
    return form


def _case_page(
    found: CallbackRequest,
    done: str | None = None,
    form: SafeTimesForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """Her request as she may see it: its state in words, her safe times, and cancelling."""
    page = render_template(
        "public/case.html",
        state=self_service.public_status(found),
        form=form or _filled(safe_times_form(), found),
        done=done,
    )
    return page, status


def _opened_case() -> CallbackRequest | None:
    """The request opened with its code in this session, while it is still hers to change."""
    sealed = session.get("case")
    data = crypto.unseal(sealed, CASE_MAX_AGE) if sealed else None
    return self_service.opened_request(data["id"]) if data else None


def _back_to_the_case(lang: str, outcome: str | None = None) -> Response:
    if outcome:
        session[OUTCOME] = outcome
    return redirect(url_for(".cancel", lang=lang), 303)


def _change_case(lang: str, found: CallbackRequest) -> ResponseReturnValue:
    form = safe_times_form()
    if not found.is_open or not form.validate_on_submit():
        return _case_page(found, form=form, status=400 if found.is_open else 200)
    windows, days, last_day = list(form.windows.data or []), form.safe_days, form.no_call_after.data
    try:
        self_service.change_safe_times(found, windows, days, last_day)
    except SQLAlchemyError:
        db.session().rollback()
        abort(503)  # "nothing was saved": her times are still the old ones
    return _back_to_the_case(lang, "changed")


def _cancel_case(lang: str, found: CallbackRequest) -> ResponseReturnValue:
    if not found.is_open:
        return _back_to_the_case(lang)
    # Committed at the end of the request; if that fails, she is told the call is not off.
    transactions.if_not_saved(lambda: not_saved_page(cancelling=True))
    try:
        self_service.cancel(found)
    except SQLAlchemyError:
        db.session().rollback()
        # The request is still open: she must not believe the call is off.
        return not_saved_page(cancelling=True)
    session.pop("case", None)
    return _back_to_the_case(lang, "cancelled")


def _plain_page() -> ResponseReturnValue:
    """What GET shows: the outcome of the last post, her opened request, or the code form."""
    outcome = session.pop(OUTCOME, None)
    if outcome == "cancelled":
        return render_template("public/cancel_done.html")
    if outcome == "unknown":
        return render_template("public/code_unknown.html")
    found = _opened_case()
    if found is not None and outcome == "confirm" and found.is_open:
        return render_template("public/cancel_confirm.html")
    if found is not None:
        return _case_page(found, done=outcome)
    return render_template("public/cancel.html", form=CancelForm())


def _act_on_the_case(lang: str, step: str) -> ResponseReturnValue:
    found = _opened_case()
    if found is None:
        return _back_to_the_case(lang, "unknown")
    if step == "change":
        return _change_case(lang, found)
    if step == "ask-cancel" and found.is_open:
        return _back_to_the_case(lang, "confirm")
    if step == "cancel":
        return _cancel_case(lang, found)
    return _back_to_the_case(lang)


@bp.route("/<lang>/cancel", methods=["GET", "POST"])
@limiter.limit(_cancel_limits, methods=["POST"], deduct_when=_wrong_code)
def cancel(lang: str) -> ResponseReturnValue:
    """Her code opens her request: its state, her safe times, cancelling."""
    if request.method != "POST":
        return _plain_page()
    step = request.form.get("step")
    if step in ("change", "ask-cancel", "cancel"):
        return _act_on_the_case(lang, step)
    form = CancelForm()
    if not form.validate_on_submit():
        return render_template("public/cancel.html", form=form), 400
    found = self_service.find_by_code(form.code.data or "")
    if found is None:
        g.wrong_case_code = True  # every code that matches nothing gets the same words
        return _back_to_the_case(lang, "unknown")
    session["case"] = crypto.seal({"id": found.id})
    return _back_to_the_case(lang)
