"""The words on a batch's cards, in the card's languages: the service, the address, the number
the call comes from, the languages a call can be asked in, and (unless left off) the helplines."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.core.i18n import is_rtl, locale_of
from portal.core.phone_numbers import typed_phone
from portal.models import CardBatch
from portal.stations.cards import card_link

# The smallest type a print shop reads back without trouble; Arabic script needs a point more.
MIN_SIZE, MIN_SIZE_ARABIC = 7.0, 8.0
ARABIC_SCRIPT = ("ar", "fa", "ur", "ps")


@dataclass(frozen=True)
class CardText:
    """Everything printed on one batch's cards, already in the card's languages."""

    service: str
    tagline: str
    address: str
    link: str
    number_label: str
    number: str
    save_hint: str
    hours: str
    language_lines: list[tuple[str, bool, float]]
    emergency: str


def _national(number: str | None) -> str:
    """The number as printed on the card: written as people type it, by the one phone rule."""
    return typed_phone(number or current_app.config["COORDINATOR_PHONE"])


def card_languages(config: dict[str, object]) -> list[str]:
    """The languages of the back's line "ask for a call in your language" (PORTAL_CARD_LANGUAGES:
    a JSON list or names separated by commas)."""
    value = config["CARD_LANGUAGES"]
    names = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    return [str(name).strip() for name in names if str(name).strip()]


def _min_size(lang: str) -> float:
    return MIN_SIZE_ARABIC if lang.split("-")[0] in ARABIC_SCRIPT else MIN_SIZE


def _language_line(lang: str) -> tuple[str, bool, float]:
    with force_locale(locale_of(lang)):
        return _("Ask for a call in your language."), is_rtl(lang), _min_size(lang)


def card_text(batch: CardBatch, helplines: bool | None = None) -> CardText:
    """The wording of a batch's cards, in the configured card language; without the national
    helplines on the back when the coordinator chose so (PORTAL_CARD_HELPLINES or per batch)."""
    config = current_app.config
    if helplines is None:
        helplines = bool(config["CARD_HELPLINES"])
    link = card_link(batch)
    station = batch.station
    with force_locale(config["CARD_LANGUAGE"]):
        hours = station.calling_hours
        return CardText(
            service=config["CARD_SERVICE_NAME"],
            tagline=_("A call back, when it suits you."),
            address=link.split("://", 1)[-1],
            link=link,
            number_label=_("The call will come from"),
            number=_national(station.callback_number),
            save_hint=_("Save it under any name you like."),
            hours=_("We usually call: %(hours)s", hours=hours) if hours else "",
            language_lines=[_language_line(lang) for lang in card_languages(config)],
            emergency=(
                _("Danger now: 17 or 112 · text message 114 · listening 3919") if helplines else ""
            ),
        )
