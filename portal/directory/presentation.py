"""What the directory pages show: an entry's public card, the filters offered and the page asked
for, on public and staff pages alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from flask import request

from portal.core.i18n import language_name
from portal.core.phone_numbers import display_phone, sms_uri, tel_uri
from portal.directory import search
from portal.directory import vocabulary as voc
from portal.directory.opening_hours import hours_text
from portal.models import DirectoryEntry

T = TypeVar("T")

PAGE_SIZE = 15


@dataclass(frozen=True)
class Phone:
    text: str
    href: str


def phone(stored: str, sms: bool = False) -> Phone | None:
    """A stored number as shown and as a tap-to-call (or tap-to-text) link; None for none."""
    href = (sms_uri if sms else tel_uri)(stored) if stored else None
    if href is None:
        return None
    return Phone(display_phone(stored), href)


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
        phone=phone(entry.phone, entry.sms_only),
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

    filters: search.Filters
    categories: list[tuple[str, str]]
    communes: list[str]
    languages: list[tuple[str, str]]


def filter_choices(everything: list[DirectoryEntry]) -> FilterChoices:
    """Read the GET filters, ignoring any value that is not offered."""
    present = {e.category for e in everything}
    categories = [(c, str(label)) for c, label in voc.CATEGORIES.items() if c in present]
    communes = search.communes_of(everything)
    languages = [(code, language_name(code)) for code in search.languages_of(everything)]
    category = request.args.get("category", "")
    commune = request.args.get("commune", "")
    language = request.args.get("language", "")
    words = " ".join(request.args.get("q", "")[:MAX_WORDS_LENGTH].split())
    chosen = search.Filters(
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
