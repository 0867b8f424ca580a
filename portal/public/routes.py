"""The victim-facing pages: request form, card entry, confirmation, cancel and help pages."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.casework.windows import EVERY_DAY, PUBLIC_SLOTS, day_label, window_label
from portal.core import crypto, db, transactions
from portal.core.extensions import limiter
from portal.core.helplines import NATIONAL_NUMBERS, emergency_numbers
from portal.core.i18n import best_language, language_name, locale_of, public_languages
from portal.intake import card_codes, lanes, proof_of_work, self_service
from portal.intake.callbacks import RequestDetails, StorageError, submit_request
from portal.models import CallbackRequest
from portal.public.antibot import keep_first_token, looks_like_a_bot, within_submit_limit
from portal.public.directory import directory_page
from portal.public.forms import NO_STATION, CallbackForm, CancelForm, SafeTimesForm, aria_attributes
from portal.public.page_cache import cached_page, cached_value
from portal.stations import registry
from portal.stations.cards import Card, read_card, read_short_code

bp = Blueprint("public", __name__)
bp.add_app_template_global(aria_attributes)

# HEAD answers as GET does (monitors use it), without the body.
READING_METHODS = ("GET", "HEAD")
# The confirmation is shown once, within this many seconds of sending.
SENT_MAX_AGE = 600
# A request opened with its code stays open for changes this many seconds.
CASE_MAX_AGE = 900
# The day the accessibility statement was last made: change it with the statement.
ACCESSIBILITY_STATEMENT_DATE = dt.date(2026, 11, 29)


@bp.url_value_preprocessor
def _check_language(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "lang" in values and values["lang"] not in public_languages():
        abort(404)


def _cancel_limits() -> str:
    return str(current_app.config["CANCEL_LIMITS"])


def _card_code_limits() -> str:
    return str(current_app.config["CARD_CODE_LIMITS"])


# Every address that looks a card code up shares one count, so guessing codes is slow.
card_code_limit = limiter.shared_limit(_card_code_limits, scope="card-codes", methods=["GET"])


@bp.get("/")
def root() -> Response:
    response = redirect(url_for(".request_form", lang=best_language()), 302)
    response.vary.add("Accept-Language")
    return response


@bp.get("/c/<path:code>")
def card_without_language(code: str) -> Response:
    response = redirect(url_for(".card_form", lang=best_language(), code=code), 302)
    response.vary.add("Accept-Language")
    return response


@bp.get("/<code>")
@card_code_limit
def short_card(code: str) -> Response:
    """The address printed on a card: the form in the best language, routed by the code.

    A code that names no card leads to the plain form, exactly as the bare address does.
    """
    if not card_codes.could_be_typed(code):
        abort(404)
    lang = best_language()
    if code in public_languages():
        target = url_for(".request_form", lang=code)
    elif read_short_code(code) is not None:
        normal = card_codes.normalise(code) or ""
        target = url_for(".card_form", lang=lang, code=card_codes.printed(normal))
    else:
        target = url_for(".request_form", lang=lang)
    response = redirect(target, 302)
    response.vary.add("Accept-Language")
    return response


def _active_stations() -> dict[str, tuple[int, str]]:
    """Active stations by code: (id, name), in name order; kept a few seconds per process."""

    return cached_value("active-stations", registry.active_stations)


def _station_choices() -> list[tuple[str, str]]:
    choices = [(code, name) for code, (_id, name) in _active_stations().items()]
    return [(NO_STATION, _("I don't know"))] + choices


def _database_answers() -> bool:
    db.session().execute(text("SELECT 1"))
    return True


@functools.lru_cache(maxsize=32)
def _window_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """The windows as the reader's locale writes times; the same for every request in it."""
    return tuple((slot, window_label(slot)) for slot in PUBLIC_SLOTS)


@functools.lru_cache(maxsize=32)
def _day_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """Monday to Sunday in the reader's language."""
    return tuple((str(day), day_label(day)) for day in EVERY_DAY)


def _language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in current_app.config["CALL_LANGUAGES"]]


def _build_form(card: Card | None, lang: str) -> CallbackForm:
    form = CallbackForm(
        window_choices=list(_window_choices(str(get_locale()))),
        day_choices=list(_day_choices(str(get_locale()))),
        language_choices=_language_choices(),
        station_choices=None if card else _station_choices(),
        with_card_code=card is None,
    )
    if request.method in READING_METHODS:
        if locale_of(lang) in current_app.config["CALL_LANGUAGES"]:
            form.call_language.data = locale_of(lang)
        if form.station is not None:
            form.station.data = NO_STATION
    return form


def _routing(form: CallbackForm, card: Card | None) -> tuple[int | None, int | None]:
    """(station id, card batch id) for the request; a revoked card goes to the coordinator.

    A code typed into the form routes like the card's address; a code that names no card is
    ignored, as if the field were empty.
    """
    if card is None and form.card_code is not None:
        card = read_short_code(form.card_code.data)
    if card is not None:
        return (card.station.id if card.station else None), card.batch.id
    code = form.station.data if form.station is not None else NO_STATION
    if code == NO_STATION:
        return None, None
    station = _active_stations().get(code)
    return (station[0] if station else None), None


def _details(form: CallbackForm, lang: str, card: Card | None) -> RequestDetails:
    station_id, batch_id = _routing(form, card)
    return RequestDetails(
        phone_e164=form.phone_e164 or "",
        call_language=form.call_language.data,
        page_language=lang,
        safe_windows=list(form.windows.data or []),
        safe_days=form.safe_days,
        urgent=form.danger.data == "yes",
        name=form.name.data or None,
        message=form.message.data or None,
        voicemail_ok=form.voicemail_ok.data,
        sms_ok=form.sms_ok.data,
        sms_only=form.sms_only.data,
        cover_story=form.if_someone_else.data or None,
        do_not_call_after=form.no_call_after.data,
        station_id=station_id,
        card_batch_id=batch_id,
    )


def _confirm(lang: str, cancel_code: str, station_id: int | None, urgent: bool) -> Response:
    session["sent"] = crypto.seal({"code": cancel_code, "station": station_id, "urgent": urgent})
    return redirect(url_for(".sent", lang=lang), 303)


def _blank_form_page(lang: str, card: Card | None, code: str | None) -> str:
    """The empty form, as every visitor of this address first sees it."""

    def render(challenge: str = proof_of_work.CHALLENGE_SLOT) -> str:
        return render_template(
            "public/form.html", form=_build_form(card, lang), card=card, proof_challenge=challenge
        )

    if code and card is None:
        return render(proof_of_work.new_challenge())  # not worth a cache entry
    if card is None:
        # A form that cannot be saved must say so before she fills it in: ask the database
        # (at most once a second per process; a failure is never remembered).
        cached_value("database-answers", _database_answers, ttl=1.0)
    state = "" if card is None else f"{card.batch.id}:{card.revoked}"
    page = cached_page((lang, request.path, state), render)
    return page.replace(proof_of_work.CHALLENGE_SLOT, str(escape(proof_of_work.new_challenge())))


def _show_form(lang: str, card: Card | None, code: str | None = None) -> ResponseReturnValue:
    if request.method in READING_METHODS:
        return _blank_form_page(lang, card, code)
    # Whatever fails from here on (the stations read, the write), she is told it was not saved.
    transactions.if_not_saved(not_saved_page)
    form = _build_form(card, lang)
    if form.validate_on_submit():
        if looks_like_a_bot(form.website.data, form.csrf_token.data):
            # Never a confirmation for what was not stored: the form again, as she filled it.
            return _check_and_send_again(form, card)
        # Per client, shared by the plain form and the card form; there is no limit for
        # everybody together: beyond a rate, unknown requests go to the "to check" lane.
        if not within_submit_limit():
            abort(429)
        details = _details(form, lang, card)
        try:
            submitted = submit_request(details, _trust(form, card))
        except StorageError:
            return not_saved_page()
        return _confirm(lang, submitted.cancel_code, details.station_id, details.urgent)
    csrf_field = getattr(form, "csrf_token", None)  # absent when CSRF is switched off
    if csrf_field is not None:
        keep_first_token(csrf_field)
    return _form_page(form, card), 400


def _trust(form: CallbackForm, card: Card | None) -> str:
    """A valid card (its address, or its code typed into the form), or else a solved proof of
    work, keeps the request's place in the queue."""
    if card is None and form.card_code is not None and form.card_code.data:
        card = read_short_code(form.card_code.data)
    trust = lanes.trust_of(card)
    if trust == lanes.Trust.NONE and proof_of_work.solved(request.form.get("proof")):
        return lanes.Trust.PROOF.value
    return trust


def _form_page(form: CallbackForm, card: Card | None, **context: object) -> str:
    """The form as sent back: with what she typed, and a fresh challenge for the script."""
    challenge = proof_of_work.new_challenge()
    return render_template(
        "public/form.html", form=form, card=card, proof_challenge=challenge, **context
    )


def _check_and_send_again(form: CallbackForm, card: Card | None) -> tuple[str, int]:
    """The form again, unsaved, with a calm line: a person loses a few seconds, a bot nothing."""
    form.website.data = ""
    keep_first_token(form.csrf_token)
    return _form_page(form, card, send_again=True), 200


def not_saved_page(cancelling: bool = False) -> tuple[str, int]:
    """The plain 503 page that says the request (or its cancellation) was NOT saved."""
    page = render_template(
        "public/not_saved.html", cancelling=cancelling, emergency=emergency_numbers()
    )
    return page, 503


@bp.route("/<lang>/", methods=["GET", "POST"])
def request_form(lang: str) -> ResponseReturnValue:
    return _show_form(lang, None)


@bp.route("/<lang>/c/<path:code>", methods=["GET", "POST"])
@card_code_limit
def card_form(lang: str, code: str) -> ResponseReturnValue:
    return _show_form(lang, read_card(code), code)


def _callback_number(station_id: int | None) -> str:
    station = registry.station_by_id(station_id)
    return (station.callback_number if station else None) or current_app.config["COORDINATOR_PHONE"]


@bp.get("/<lang>/sent")
def sent(lang: str) -> str:
    sealed = session.pop("sent", None)
    # Shown once: the session cookie goes too, so a closed tab leaves no cookie of the visit. A
    # visit with no confirmation to show keeps the session, and with it the form she may send.
    if sealed is not None:
        session.clear()
    data = crypto.unseal(sealed, SENT_MAX_AGE) if sealed else None
    if data is None:
        return render_template("public/sent_empty.html")
    return render_template(
        "public/sent.html",
        cancel_code=data["code"],
        urgent=data["urgent"],
        callback_number=_callback_number(data["station"]),
        emergency=emergency_numbers(),
    )


def _safe_times_form(current: CallbackRequest | None = None) -> SafeTimesForm:
    """The safe-times form; filled in with what the request holds when `current` is given."""
    locale = str(get_locale())
    form = SafeTimesForm(
        window_choices=list(_window_choices(locale)), day_choices=list(_day_choices(locale))
    )
    if current is not None:
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
        form=form or _safe_times_form(found),
        done=done,
    )
    return page, status


def _opened_case() -> CallbackRequest | None:
    """The request opened with its code in this session, while it is still hers to change."""
    sealed = session.get("case")
    data = crypto.unseal(sealed, CASE_MAX_AGE) if sealed else None
    return self_service.opened_request(data["id"]) if data else None


def _change_case(found: CallbackRequest) -> ResponseReturnValue:
    form = _safe_times_form()
    if not found.is_open or not form.validate_on_submit():
        return _case_page(found, form=form, status=400 if found.is_open else 200)
    windows, days, last_day = list(form.windows.data or []), form.safe_days, form.no_call_after.data
    try:
        self_service.change_safe_times(found, windows, days, last_day)
    except SQLAlchemyError:
        db.session().rollback()
        abort(503)  # "nothing was saved": her times are still the old ones
    return _case_page(found, done="changed")


def _cancel_case(found: CallbackRequest) -> ResponseReturnValue:
    if not found.is_open:
        return _case_page(found)
    # Committed at the end of the request; if that fails, she is told the call is not off.
    transactions.if_not_saved(lambda: not_saved_page(cancelling=True))
    try:
        self_service.cancel(found)
    except SQLAlchemyError:
        db.session().rollback()
        # The request is still open: she must not believe the call is off.
        return not_saved_page(cancelling=True)
    session.pop("case", None)
    return render_template("public/cancel_done.html")


@bp.route("/<lang>/cancel", methods=["GET", "POST"])
@limiter.limit(_cancel_limits, methods=["POST"])
def cancel(lang: str) -> ResponseReturnValue:
    """Her code opens her request (never in a URL): its state, her safe times, cancelling."""
    action = request.form.get("step") if request.method == "POST" else None
    if action in ("change", "cancel"):
        found = _opened_case()
        if found is None:
            return render_template("public/code_unknown.html")
        return _change_case(found) if action == "change" else _cancel_case(found)
    form = CancelForm()
    if form.validate_on_submit():
        found = self_service.find_by_code(form.code.data or "")
        if found is None:
            # Every code that matches nothing gets these same words.
            return render_template("public/code_unknown.html")
        session["case"] = crypto.seal({"id": found.id})
        return _case_page(found)
    status = 400 if request.method == "POST" else 200
    return render_template("public/cancel.html", form=form), status


@bp.get("/<lang>/help")
def help_page(lang: str) -> str:
    return render_template("public/help.html", numbers=NATIONAL_NUMBERS)


@bp.get("/<lang>/directory")
def directory(lang: str) -> str:
    return directory_page()


@bp.get("/<lang>/privacy")
def privacy(lang: str) -> str:
    return render_template("public/privacy.html")


@bp.get("/<lang>/accessibility")
def accessibility(lang: str) -> str:
    date = format_date(ACCESSIBILITY_STATEMENT_DATE, format="long")
    return render_template("public/accessibility.html", statement_date=date)


@bp.get("/exit")
def exit_site() -> Response:
    """Leave at once: wipe this site's cookies and storage, then go to a neutral site."""
    session.clear()
    response = redirect(current_app.config["EXIT_URL"], 303)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
