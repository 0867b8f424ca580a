"""The request form (plain, or from a card) and the confirmation shown once after sending."""

from __future__ import annotations

import phonenumbers
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from markupsafe import escape
from werkzeug.wrappers import Response

from portal.core import crypto, transactions
from portal.core.extensions import limiter
from portal.core.fields import add_error
from portal.core.helplines import emergency_numbers
from portal.intake import proof_of_work
from portal.intake.callbacks import StorageError, submit_request
from portal.public.antibot import keep_first_token, looks_like_a_bot, within_submit_limit
from portal.public.blueprint import READING_METHODS, bp, not_saved_page
from portal.public.card_views import (
    LOOKUP_METHODS,
    card_code_limit,
    card_in_session,
    forget_card,
)
from portal.public.form_building import (
    build_form,
    database_answers,
    hours_in_words,
    request_details,
    trust,
)
from portal.public.forms import UNKNOWN_CODE, CallbackForm
from portal.public.page_cache import cached_page, cached_value
from portal.stations import registry
from portal.stations.cards import Card, read_card

# The confirmation is shown once, within this many seconds of sending.
SENT_MAX_AGE = 600
# Marks a session whose confirmation was shown: the next request ends it.
SHOWN = "shown"
# How many of her number's last digits the confirmation repeats.
DIGITS_SHOWN = 4


def _card_code_limits() -> str:
    return str(current_app.config["CARD_CODE_LIMITS"])


def _no_code_typed() -> bool:
    return not request.form.get("card_code", "").strip()


# A code typed into the plain form is a look-up too: it shares the card codes' count.
typed_code_limit = limiter.shared_limit(
    _card_code_limits, scope="card-codes", methods=["POST"], exempt_when=_no_code_typed
)


def _ending(phone_e164: str) -> str:
    """'+33 … 45 67': her country's code and the last digits, as the service understood them."""
    number = phonenumbers.parse(phone_e164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    tail, digits = "", 0
    for char in reversed(national):
        if digits == DIGITS_SHOWN:
            break
        tail = char + tail
        digits += char.isdigit()
    return f"+{number.country_code} … {tail.strip()}"


def _confirm(
    lang: str, cancel_code: str, phone: str, station_id: int | None, urgent: bool
) -> Response:
    sent = {"code": cancel_code, "station": station_id, "urgent": urgent, "ending": _ending(phone)}
    session["sent"] = crypto.seal(sent)
    return redirect(url_for(".sent", lang=lang), 303)


def _render(form: CallbackForm, card: Card | None, challenge: str, **context: object) -> str:
    return render_template(
        "public/form.html",
        form=form,
        card=card,
        proof_challenge=challenge,
        calling_hours=hours_in_words(),
        **context,
    )


def _blank_form_page(lang: str, card: Card | None, code: str | None, unknown: str | None) -> str:
    """The empty form, as every visitor of this address first sees it."""

    def render(challenge: str = proof_of_work.CHALLENGE_SLOT) -> str:
        return _render(build_form(card, lang), card, challenge)

    if unknown is not None:
        # The code from a card's address named no card: she is told, and may correct it.
        form = build_form(None, lang)
        if form.card_code is not None:
            form.card_code.data = unknown
            add_error(form.card_code, str(UNKNOWN_CODE))
        return _render(form, None, proof_of_work.new_challenge())
    if code and card is None:
        return render(proof_of_work.new_challenge())  # not worth a cache entry
    if card is None:
        # A form that cannot be saved says so before she types: ask the database (once a second).
        cached_value("database-answers", database_answers, ttl=1.0)
    state = "" if card is None else f"{card.batch.id}:{card.revoked}"
    page = cached_page((lang, request.path, state), render)
    return page.replace(proof_of_work.CHALLENGE_SLOT, str(escape(proof_of_work.new_challenge())))


def _show_form(
    lang: str, card: Card | None, code: str | None = None, unknown: str | None = None
) -> ResponseReturnValue:
    if request.method in READING_METHODS:
        return _blank_form_page(lang, card, code, unknown)
    transactions.if_not_saved(not_saved_page)  # whatever fails from here on, she is told
    form = build_form(card, lang)
    if form.validate_on_submit():
        if looks_like_a_bot(form.website.data, form.csrf_token.data):
            # Never a confirmation for what was not stored: the form again, as she filled it.
            return _check_and_send_again(form, card)
        # Per client, shared by the plain form and the card form; there is no limit for
        # everybody together: beyond a rate, unknown requests go to the "to check" lane.
        if not within_submit_limit():
            abort(429)
        details = request_details(form, lang, card)
        try:
            submitted = submit_request(details, trust(form, card))
        except StorageError:
            return not_saved_page()
        forget_card()
        return _confirm(
            lang, submitted.cancel_code, details.phone_e164, details.station_id, details.urgent
        )
    csrf_field = getattr(form, "csrf_token", None)  # absent when CSRF is switched off
    if csrf_field is not None:
        keep_first_token(csrf_field)
    return _render(form, card, proof_of_work.new_challenge()), 400


def _check_and_send_again(form: CallbackForm, card: Card | None) -> tuple[str, int]:
    """The form again, unsaved, with a calm line: a person loses a few seconds, a bot nothing."""
    form.website.data = ""
    keep_first_token(form.csrf_token)
    return _render(form, card, proof_of_work.new_challenge(), send_again=True), 200


@bp.route("/<lang>/", methods=["GET", "POST"])
@typed_code_limit
def request_form(lang: str) -> ResponseReturnValue:
    """The plain form; after a card's address, the form for that card (kept in the session)."""
    card, unknown = card_in_session()
    return _show_form(lang, card, unknown=unknown)


@bp.route("/<lang>/c/<path:code>", methods=LOOKUP_METHODS)
@card_code_limit
def card_form(lang: str, code: str) -> ResponseReturnValue:
    return _show_form(lang, read_card(code), code)


def _callback_number(station_id: int | None) -> str:
    station = registry.station_by_id(station_id)
    return (station.callback_number if station else None) or current_app.config["COORDINATOR_PHONE"]


@bp.get("/<lang>/sent")
def sent(lang: str) -> str:
    """Shown once. Without the script, the session cookie is rewritten here and removed by the
    browser's next request (the page's own stylesheet): a cookie changed after the page was
    served keeps it out of the back-forward cache, so Back after leaving never shows her code
    again, and a closed tab leaves no cookie of the visit."""
    sealed = session.pop("sent", None)
    data = crypto.unseal(sealed, SENT_MAX_AGE) if sealed else None
    if data is None:
        return render_template("public/sent_empty.html")
    if request.headers.get("X-Requested-With") == "fetch":
        session.clear()  # shown in place by the script, which also keeps it out of the cache
    else:
        session[SHOWN] = True
    return render_template(
        "public/sent.html",
        cancel_code=data["code"],
        urgent=data["urgent"],
        ending=data.get("ending"),
        callback_number=_callback_number(data["station"]),
        emergency=emergency_numbers(),
    )


@bp.before_app_request
def _forget_the_visit_once_shown() -> None:
    """The first request after the confirmation starts from an empty session (see `sent`): the
    cookie goes, or is replaced by a fresh one if that page needs it (a new form's token)."""
    if session.get(SHOWN) and request.endpoint != "public.sent":
        session.clear()
