"""The request form as one language shows it, and the request its answers make: choices,
routing by card or station, and the trust that keeps a request's place in the queue."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import format_time
from flask_babel import gettext as _
from sqlalchemy import text

from portal.casework.calling_hours import calling_hours
from portal.core import db
from portal.core.i18n import language_name, locale_of
from portal.intake import lanes, proof_of_work
from portal.intake.callbacks import RequestDetails
from portal.public.blueprint import READING_METHODS, day_choices, window_choices
from portal.public.forms import NO_STATION, CallbackForm
from portal.public.page_cache import cached_value
from portal.public.phone_countries import country_choices
from portal.stations import registry
from portal.stations.cards import Card, read_short_code

# Easy-to-read French asks only what a safe call needs: her number, safe times, danger, consent.
SHORT_FORM_LANGUAGES = frozenset({"fr-falc"})
# The language of the call when the short form does not ask.
DEFAULT_CALL_LANGUAGE = "fr"


def active_stations() -> dict[str, tuple[int, str]]:
    """Active stations by code: (id, name), in name order; kept a few seconds per process."""
    return cached_value("active-stations", registry.active_stations)


def _station_choices() -> list[tuple[str, str]]:
    choices = [(code, name) for code, (_id, name) in active_stations().items()]
    return [(NO_STATION, _("I don't know"))] + choices


def database_answers() -> bool:
    db.session().execute(text("SELECT 1"))
    return True


def _language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in current_app.config["CALL_LANGUAGES"]]


def hours_in_words() -> dict[str, str]:
    """The service's calling hours as the reader's locale writes times: start and end."""
    start, end = calling_hours(current_app.config["WORKING_HOURS"])
    return {"start": format_time(start, "short"), "end": format_time(end, "short")}


def build_form(card: Card | None, lang: str) -> CallbackForm:
    short = lang in SHORT_FORM_LANGUAGES
    form = CallbackForm(
        window_choices=window_choices(),
        day_choices=day_choices(),
        language_choices=_language_choices(),
        station_choices=None if card or short else _station_choices(),
        country_choices=country_choices(str(locale_of(lang))),
        with_card_code=card is None and not short,
        short=short,
    )
    if request.method in READING_METHODS:
        if form.call_language is not None and locale_of(lang) in _call_languages():
            form.call_language.data = locale_of(lang)
        if form.station is not None:
            form.station.data = NO_STATION
    return form


def _call_languages() -> list[str]:
    return list(current_app.config["CALL_LANGUAGES"])


def _typed_card(form: CallbackForm) -> Card | None:
    return read_short_code(form.card_code.data) if form.card_code is not None else None


def _routing(form: CallbackForm, card: Card | None) -> tuple[int | None, int | None]:
    """(station id, card batch id) for the request; a revoked card goes to the coordinator.

    A code typed into the form routes like the card's address (the form refuses a code that
    names no card, so she is told).
    """
    card = card or _typed_card(form)
    if card is not None:
        return (card.station.id if card.station else None), card.batch.id
    code = form.station.data if form.station is not None else NO_STATION
    if code == NO_STATION:
        return None, None
    station = active_stations().get(code)
    return (station[0] if station else None), None


def _answer(form: CallbackForm, name: str) -> object:
    """A field's answer, or None when this language's form does not ask it."""
    field = getattr(form, name, None)
    return None if field is None else field.data


def request_details(form: CallbackForm, lang: str, card: Card | None) -> RequestDetails:
    station_id, batch_id = _routing(form, card)
    return RequestDetails(
        phone_e164=form.phone_e164 or "",
        call_language=str(_answer(form, "call_language") or DEFAULT_CALL_LANGUAGE),
        page_language=lang,
        safe_windows=list(form.windows.data or []),
        safe_days=form.safe_days,
        urgent=form.danger.data == "yes",
        name=str(_answer(form, "name") or "") or None,
        message=str(_answer(form, "message") or "") or None,
        voicemail_ok=bool(_answer(form, "voicemail_ok")),
        sms_ok=bool(_answer(form, "sms_ok")),
        sms_only=bool(_answer(form, "sms_only")),
        cover_story=str(_answer(form, "if_someone_else") or "") or None,
        do_not_call_after=form.no_call_after.data if form.no_call_after is not None else None,
        station_id=station_id,
        card_batch_id=batch_id,
    )


def trust(form: CallbackForm, card: Card | None) -> str:
    """A valid card (its address, or its code typed into the form), or else a solved proof of
    work, keeps the request's place in the queue."""
    found = lanes.trust_of(card or _typed_card(form))
    if found == lanes.Trust.NONE and proof_of_work.solved(request.form.get("proof")):
        return lanes.Trust.PROOF.value
    return found
