"""Finding directory entries: which ones each audience may list, the filters and words people
search with, and the entries due for a check with their service."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from portal.core import db
from portal.directory import vocabulary as voc
from portal.models import DirectoryEntry, utcnow

DEFAULT_STALE_DAYS = 183  # about six months


@dataclass(frozen=True)
class Filters:
    """What a visitor narrowed the list to; empty strings mean everything."""

    category: str = ""
    commune: str = ""
    language: str = ""
    # Words typed by a professional, every one of which must appear in the entry.
    words: str = ""


def folded(text: str) -> str:
    """Text as a search compares it: no case, no accents ("Écoute" finds "ecoute")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _searchable(entry: DirectoryEntry) -> str:
    """What a words search reads: never a confidential address."""
    parts = [
        entry.name,
        entry.description,
        entry.commune,
        " ".join(entry.communes),
        entry.referral_procedure,
        str(voc.CATEGORIES.get(entry.category, entry.category)),
        " ".join(entry.thematiques),
        " ".join(str(label) for label in voc.labels(voc.PUBLICS, entry.publics)),
    ]
    if not entry.address_confidential:
        parts.append(entry.address)
    return folded(" ".join(parts))


def matches_words(entry: DirectoryEntry, words: str) -> bool:
    """True when every typed word appears somewhere in the entry."""
    return all(word in _searchable(entry) for word in folded(words).split())


def _ordered(entries: Iterable[DirectoryEntry]) -> list[DirectoryEntry]:
    order = {code: i for i, code in enumerate(voc.CATEGORIES)}
    return sorted(entries, key=lambda e: (order.get(e.category, 99), e.name.casefold(), e.id))


def public_entries() -> list[DirectoryEntry]:
    """Entries meant for everyone: public, not hidden, never a professionals' category."""
    query = select(DirectoryEntry).where(
        DirectoryEntry.visibility == "public",
        DirectoryEntry.hidden.is_(False),
        DirectoryEntry.category.not_in(sorted(voc.PROFESSIONAL_CATEGORIES)),
    )
    return _ordered(db.session().scalars(query))


def staff_entries(include_hidden: bool) -> list[DirectoryEntry]:
    """Every entry for professionals; hidden ones only for the coordinator."""
    query = select(DirectoryEntry)
    if not include_hidden:
        query = query.where(DirectoryEntry.hidden.is_(False))
    return _ordered(db.session().scalars(query))


def serves_commune(entry: DirectoryEntry, commune: str) -> bool:
    """True when the entry covers the commune: named, or covering the whole zone."""
    wanted = commune.casefold()
    return not entry.communes or any(c.casefold() == wanted for c in entry.communes)


def apply_filters(entries: list[DirectoryEntry], filters: Filters) -> list[DirectoryEntry]:
    """The entries that match every filter given."""
    return [
        e
        for e in entries
        if (not filters.category or e.category == filters.category)
        and (not filters.commune or serves_commune(e, filters.commune))
        and (not filters.language or filters.language in e.languages)
        and (not filters.words or matches_words(e, filters.words))
    ]


def communes_of(entries: Iterable[DirectoryEntry]) -> list[str]:
    """The communes named by the entries, sorted, for the commune filter."""
    return sorted({c for e in entries for c in e.communes}, key=str.casefold)


def languages_of(entries: Iterable[DirectoryEntry]) -> list[str]:
    return sorted({code for e in entries for code in e.languages})


def stale_days() -> int:
    return int(current_app.config.get("DIRECTORY_STALE_DAYS", DEFAULT_STALE_DAYS))


def is_stale(entry: DirectoryEntry, now: dt.datetime | None = None) -> bool:
    """Not verified within the last six months (or never): to be checked with the service."""
    limit = (now or utcnow()) - dt.timedelta(days=stale_days())
    return entry.verified_at is None or entry.verified_at < limit


def entries_to_recheck(now: dt.datetime | None = None) -> list[DirectoryEntry]:
    """Entries not hidden and stale, the oldest verification first."""
    stale = [e for e in staff_entries(include_hidden=False) if is_stale(e, now)]
    return sorted(stale, key=lambda e: (e.verified_at or dt.datetime.min, e.name.casefold()))


def entry_by_uid(uid: str) -> DirectoryEntry | None:
    return db.session().scalars(select(DirectoryEntry).where(DirectoryEntry.uid == uid)).first()
