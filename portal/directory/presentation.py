"""What the directory pages show of an entry, and the filters and pages people use: public and
staff pages alike."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypeVar

from babel.dates import get_day_names
from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.core.i18n import language_name
from portal.directory import entries
from portal.directory import vocabulary as voc
from portal.models import DirectoryEntry

T = TypeVar("T")

PAGE_SIZE = 15
_HOURS_TOKEN = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su|PH|SH|off|closed|open)\b")
_DAY_INDEX = {day: i for i, day in enumerate(("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"))}


def hours_text(value: str) -> str:
    """Opening hours in the reader's language, e.g. "lun.-ven. 09:00-17:00" in French."""
    if value.strip() == "24/7":
        return _("Day and night, every day")
    days = get_day_names("abbreviated", locale=get_locale())
    words = {
        "PH": _("public holidays"),
        "SH": _("school holidays"),
        "off": _("closed"),
        "closed": _("closed"),
        "open": _("open"),
    }

    def word(found: re.Match[str]) -> str:
        token = found.group(1)
        return days[_DAY_INDEX[token]] if token in _DAY_INDEX else words[token]

    return _HOURS_TOKEN.sub(word, value).replace(";", " ·").replace(",", ", ")


@dataclass(frozen=True)
class Phone:
    text: str
    href: str


def _phone(stored: str, sms: bool = False) -> Phone | None:
    if not stored:
        return None
    return Phone(entries.phone_display(stored), entries.phone_href(stored, sms))


@dataclass(frozen=True)
class PublicCard:
    """What anyone may read of an entry: never a professional field, never a secret address."""

    name: str
    category: str
    description: str
    communes: list[str]
    address: str
    address_confidential: bool
    phone: Phone | None
    sms_only: bool
    email: str
    website: str
    hours: str
    open_24_7: bool
    accessibility: str
    free: bool
    languages: list[str]
    interpreting: bool
    reception: str
    modes: list[str] = field(default_factory=list)


def _address(entry: DirectoryEntry) -> str:
    if entry.address_confidential:
        return ""
    town = " ".join(part for part in (entry.postcode, entry.commune) if part)
    return ", ".join(part for part in (entry.address, town) if part)


def _hours(entry: DirectoryEntry) -> str:
    if not entry.opening_hours or (entry.open_24_7 and entry.opening_hours.strip() == "24/7"):
        return ""  # "day and night" is said once, by the open_24_7 flag
    return hours_text(entry.opening_hours)


def public_card(entry: DirectoryEntry) -> PublicCard:
    """The public fields of an entry, ready to show."""
    return PublicCard(
        name=entry.name,
        category=voc.category_label(entry.category),
        description=entry.description,
        communes=list(entry.communes),
        address=_address(entry),
        address_confidential=entry.address_confidential,
        phone=_phone(entry.phone, entry.sms_only),
        sms_only=entry.sms_only,
        email=entry.email,
        website=entry.website,
        hours=_hours(entry),
        open_24_7=entry.open_24_7,
        accessibility=entry.accessibility,
        free=entry.fees == "gratuit",
        languages=[language_name(code) for code in entry.languages],
        interpreting=entry.interpreting,
        reception=str(voc.RECEPTION[entry.reception]) if entry.reception else "",
        modes=voc.labels(voc.MODES_ACCUEIL, entry.modes_accueil),
    )


MAX_WORDS_LENGTH = 100


@dataclass(frozen=True)
class FilterChoices:
    """The filters in use and the values offered, taken from the entries themselves."""

    filters: entries.Filters
    categories: list[tuple[str, str]]
    communes: list[str]
    languages: list[tuple[str, str]]


def filter_choices(everything: list[DirectoryEntry]) -> FilterChoices:
    """Read the GET filters, ignoring any value that is not offered."""
    present = {e.category for e in everything}
    categories = [(c, str(label)) for c, label in voc.CATEGORIES.items() if c in present]
    communes = entries.communes_of(everything)
    languages = [(code, language_name(code)) for code in entries.languages_of(everything)]
    category = request.args.get("category", "")
    commune = request.args.get("commune", "")
    language = request.args.get("language", "")
    words = " ".join(request.args.get("q", "")[:MAX_WORDS_LENGTH].split())
    chosen = entries.Filters(
        category=category if category in present else "",
        commune=commune if commune in communes else "",
        language=language if language in dict(languages) else "",
        words=words,
    )
    return FilterChoices(chosen, categories, communes, languages)


@dataclass(frozen=True)
class Page:
    number: int
    count: int
    total: int


def page_of(items: list[T], size: int = PAGE_SIZE) -> tuple[list[T], Page]:
    """One page of the items, the page number coming from ?page= (anything odd means 1)."""
    raw = request.args.get("page", "1")
    number = int(raw) if raw.isdigit() and 0 < len(raw) < 6 else 1
    count = max(1, -(-len(items) // size))
    number = min(max(number, 1), count)
    return items[(number - 1) * size : number * size], Page(number, count, len(items))
