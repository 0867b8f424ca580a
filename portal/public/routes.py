"""The victim-facing pages: request form, card entry, confirmation, cancel and help pages."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import phonenumbers
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
from sqlalchemy import text
from werkzeug.wrappers import Response

from .. import card_codes, crypto, db, stations, transactions
from ..callbacks import RequestDetails, StorageError, cancel_request, submit_request
from ..cards import Card, read_card, read_short_code
from ..extensions import limiter
from ..helplines import NATIONAL_NUMBERS, emergency_numbers
from ..i18n import best_language, language_name, public_languages
from ..windows import PUBLIC_SLOTS, window_label
from .antibot import keep_first_token, looks_like_a_bot
from .directory import directory_page
from .forms import NO_STATION, CallbackForm, CancelForm, aria_attributes
from .page_cache import cached_page, cached_value

bp = Blueprint("public", __name__)
bp.add_app_template_global(aria_attributes)

# The confirmation is shown once, within this many seconds of sending.
SENT_MAX_AGE = 600
# The day the accessibility statement was last made: change it with the statement.
ACCESSIBILITY_STATEMENT_DATE = dt.date(2026, 11, 29)


@bp.url_value_preprocessor
def _check_language(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "lang" in values and values["lang"] not in public_languages():
        abort(404)


def _submit_limits() -> str:
    return str(current_app.config["SUBMIT_LIMITS"])


def _global_limits() -> str:
    return str(current_app.config["SUBMIT_GLOBAL_LIMITS"])


def _cancel_limits() -> str:
    return str(current_app.config["CANCEL_LIMITS"])


def _card_code_limits() -> str:
    return str(current_app.config["CARD_CODE_LIMITS"])


# Shared by the plain form and the card form, so that switching between them gains nothing.
submit_limit = limiter.shared_limit(_submit_limits, scope="submissions", methods=["POST"])
# One bucket for everybody, so a flood from many addresses is capped too.
global_submit_limit = limiter.shared_limit(
    _global_limits, scope="all-submissions", key_func=lambda: "all", methods=["POST"]
)


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

    return cached_value("active-stations", stations.active_stations)


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


def _language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in current_app.config["CALL_LANGUAGES"]]


def _build_form(card: Card | None, lang: str) -> CallbackForm:
    form = CallbackForm(
        window_choices=list(_window_choices(str(get_locale()))),
        language_choices=_language_choices(),
        station_choices=None if card else _station_choices(),
        with_card_code=card is None,
    )
    if request.method == "GET":
        if lang in current_app.config["CALL_LANGUAGES"]:
            form.call_language.data = lang
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

    def render() -> str:
        return render_template("public/form.html", form=_build_form(card, lang), card=card)

    if code and card is None:
        return render()  # a tampered or unknown code is not worth a cache entry
    if card is None:
        # A form that cannot be saved must say so before she fills it in: ask the database
        # (at most once a second per process; a failure is never remembered).
        cached_value("database-answers", _database_answers, ttl=1.0)
    state = "" if card is None else f"{card.batch.id}:{card.revoked}"
    return cached_page((lang, request.path, state), render)


def _show_form(lang: str, card: Card | None, code: str | None = None) -> ResponseReturnValue:
    if request.method == "GET":
        return _blank_form_page(lang, card, code)
    form = _build_form(card, lang)
    if form.validate_on_submit():
        details = _details(form, lang, card)
        if looks_like_a_bot(form.website.data, form.csrf_token.data):
            # The same answer as a real confirmation, so the bot learns nothing.
            return _confirm(lang, crypto.new_code(8), details.station_id, details.urgent)
        transactions.if_not_saved(not_saved_page)
        try:
            submitted = submit_request(details)
        except StorageError:
            return not_saved_page()
        return _confirm(lang, submitted.cancel_code, details.station_id, details.urgent)
    csrf_field = getattr(form, "csrf_token", None)  # absent when CSRF is switched off
    if csrf_field is not None:
        keep_first_token(csrf_field)
    return render_template("public/form.html", form=form, card=card), 400


def not_saved_page(cancelling: bool = False) -> tuple[str, int]:
    """The plain 503 page that says the request (or its cancellation) was NOT saved."""
    page = render_template(
        "public/not_saved.html", cancelling=cancelling, emergency=emergency_numbers()
    )
    return page, 503


@bp.route("/<lang>/", methods=["GET", "POST"])
@global_submit_limit
@submit_limit
def request_form(lang: str) -> ResponseReturnValue:
    return _show_form(lang, None)


@bp.route("/<lang>/c/<path:code>", methods=["GET", "POST"])
@card_code_limit
@global_submit_limit
@submit_limit
def card_form(lang: str, code: str) -> ResponseReturnValue:
    return _show_form(lang, read_card(code), code)


def _callback_number(station_id: int | None) -> str:
    station = stations.station_by_id(station_id)
    raw = (station.callback_number if station else None) or current_app.config["COORDINATOR_PHONE"]
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException:
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


@bp.get("/<lang>/sent")
def sent(lang: str) -> str:
    sealed = session.pop("sent", None)
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


@bp.route("/<lang>/cancel", methods=["GET", "POST"])
@limiter.limit(_cancel_limits, methods=["POST"])
def cancel(lang: str) -> str | tuple[str, int]:
    form = CancelForm()
    if form.validate_on_submit():
        transactions.if_not_saved(lambda: not_saved_page(cancelling=True))
        try:
            cancel_request(form.code.data or "")
        except StorageError:
            # The request is still open: she must not believe the call is off.
            return not_saved_page(cancelling=True)
        # The same words whether or not the code matched.
        return render_template("public/cancel_done.html")
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
