"""Directory entries: validation, changes with their audit events, listings and staleness."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from babel import Locale, UnknownLocaleError
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from phonenumbers import shortnumberinfo
from sqlalchemy import select

from portal.core import db
from portal.core.fields import PhoneRefused, is_email, phone_e164
from portal.directory import vocabulary as voc
from portal.models import DirectoryEntry, StaffUser, utcnow
from portal.staff import audit

TEXT_LIMITS = {
    "uid": 64,
    "name": 150,
    "description": 2000,
    "address": 255,
    "commune": 80,
    "accessibility": 1000,
    "referral_procedure": 2000,
    "verified_by": 120,
    "opening_hours": 255,
    "email": 254,
    "pro_email": 254,
    "website": 500,
}
TEXT_FIELDS = (
    "uid",
    "name",
    "category",
    "description",
    "address",
    "postcode",
    "commune",
    "phone",
    "email",
    "website",
    "opening_hours",
    "accessibility",
    "fees",
    "reception",
    "pro_phone",
    "pro_email",
    "referral_procedure",
    "visibility",
    "verified_by",
)
LIST_FIELDS = (
    "thematiques",
    "publics",
    "modes_accueil",
    "mobilisable_par",
    "zone_eligibilite",
    "communes",
    "languages",
)
BOOL_FIELDS = ("address_confidential", "sms_only", "open_24_7", "interpreting", "hidden")
DATE_FIELDS = ("updated_at", "verified_at")
# What an admin may change through the edit form (the rest is kept by the domain functions).
EDITABLE = tuple(
    f for f in TEXT_FIELDS + LIST_FIELDS + BOOL_FIELDS if f not in ("uid", "verified_by", "hidden")
)
DEFAULT_STALE_DAYS = 183  # about six months

PROBLEMS: dict[str, LazyString] = {
    "required": _l("This field is required."),
    "too_long": _l("This text is too long."),
    "name_length": _l("Give a name of 3 to 150 characters."),
    "unknown_value": _l("Choose a value from the list."),
    "phone": _l(
        "Enter a French phone number, e.g. 04 77 12 34 56, or a short number such as 3919."
    ),
    "email": _l("Enter an e-mail address such as contact@example.org."),
    "url": _l("Enter a web address starting with https:// or http://."),
    "opening_hours": _l(
        'Use the OpenStreetMap format, e.g. "Mo-Fr 09:00-17:00; Sa 09:00-12:00" or "24/7".'
    ),
    "postcode": _l("A postcode has 5 digits."),
    "zone": _l('Use INSEE codes: "france", a département such as 42, or a commune such as 42218.'),
    "language": _l("Use language codes such as fr, en, ar."),
    "uid": _l("Use letters, digits, dots, dashes or underscores."),
    "perpetrators_public": _l("Programmes for perpetrators are for professionals only."),
    "date": _l("Enter a date as YYYY-MM-DD."),
    "not_a_list": _l("Enter a list of values."),
    "boolean": _l("Enter true or false."),
    "duplicate": _l("This identifier appears twice in the file."),
}


@dataclass(frozen=True)
class Problem:
    """One invalid field: its name and a key of PROBLEMS."""

    field: str
    code: str

    def message(self) -> str:
        return str(PROBLEMS[self.code])


class EntryInvalid(ValueError):
    """The values break rules; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


# --- Validation of single values -------------------------------------------------------------

UID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
POSTCODE_RE = re.compile(r"^\d{5}$")
ZONE_RE = re.compile(voc.ZONE_RE)
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAYS = rf"(?:{_DAY}(?:-{_DAY})?(?:\[-?[1-5](?:-[1-5])?\])?|PH|SH)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_MONTHS = rf"{_MONTH}(?: ?\d{{1,2}})?(?:-{_MONTH}?(?: ?\d{{1,2}})?)?"
_TIME = r"\d{2}:\d{2}"
_SPAN = rf"(?:{_TIME}-{_TIME}\+?|{_TIME}\+)"
OSM_RULE = re.compile(
    rf"^(?:(?P<months>{_MONTHS}(?:,{_MONTHS})*) )?"
    rf"(?:(?P<days>{_DAYS}(?:,{_DAYS})*)(?: |$))?"
    rf"(?P<times>{_SPAN}(?:,{_SPAN})*|24/7)?"
    r"(?: ?(?P<state>open|closed|off|unknown))?"
    r'(?: ?(?P<comment>"[^"]{0,80}"))?$'
)
TIME_RE = re.compile(r"(\d{2}):(\d{2})")


def normalise_phone(raw: str) -> str:
    """A French number in E.164, a short number as its digits, or ValueError."""
    text = raw.strip()
    if not text:
        return ""
    try:
        return phone_e164(text)
    except PhoneRefused as exc:
        number = exc.number
        digits = re.sub(r"\D", "", text)
        if number is None or len(digits) > 6:
            raise ValueError("phone") from exc
        if not shortnumberinfo.is_valid_short_number_for_region(number, "FR"):
            raise ValueError("phone") from exc
        return digits


def phone_display(stored: str) -> str:
    """A stored number as people in France write it: 04 77 12 34 56, 3919, 116 006."""
    if not stored.startswith("+"):
        return f"{stored[:3]} {stored[3:]}" if len(stored) == 6 else stored
    number = phonenumbers.parse(stored, "FR")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_href(stored: str, sms: bool = False) -> str:
    """A tap-to-call (or tap-to-text) link for a stored number."""
    return f"{'sms' if sms else 'tel'}:{stored}"


def valid_url(value: str) -> bool:
    """Web addresses only (http or https with a host): never javascript:, data: or a path."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return not any(ch.isspace() or ch in "<>\"'" for ch in value)


def _times_ok(times: str) -> bool:
    values = [(int(h), int(m)) for h, m in TIME_RE.findall(times)]
    return all(m < 60 and h <= 48 for h, m in values) and all(h <= 24 for h, _m in values[::2])


def valid_opening_hours(value: str) -> bool:
    """A reasonable check of the OpenStreetMap opening_hours syntax (rules separated by ;)."""
    text = value.strip()
    if text == "24/7":
        return True
    rules = [r.strip() for r in re.split(r";|\|\|", text)]
    if not text or any(not rule for rule in rules):
        return False
    for rule in rules:
        found = OSM_RULE.match(rule)
        if found is None or not any(found.groupdict().values()):
            return False
        if found["times"] and found["times"] != "24/7" and not _times_ok(found["times"]):
            return False
    return True


def valid_language(code: str) -> bool:
    if not LANGUAGE_RE.match(code):
        return False
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return False
    return True


# --- Validation of a whole entry -------------------------------------------------------------


def _clean_text(values: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        raw = values.get(name)
        text = "" if raw is None else str(raw).strip()
        limit = TEXT_LIMITS.get(name, 255)
        if len(text) > limit:
            problems.append(Problem(name, "too_long"))
        clean[name] = text
    return clean


def _clean_lists(values: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in LIST_FIELDS:
        raw = values.get(name) or []
        if isinstance(raw, str) or not isinstance(raw, list | tuple):
            problems.append(Problem(name, "not_a_list"))
            raw = []
        items = [str(item).strip() for item in raw if str(item).strip()]
        clean[name] = list(dict.fromkeys(items))  # without duplicates, in order
    return clean


def _clean_flags(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: bool(values.get(name)) for name in BOOL_FIELDS}


def _check_choices(clean: dict[str, Any], problems: list[Problem]) -> None:
    choices = {
        "category": voc.CATEGORIES,
        "fees": voc.FRAIS,
        "reception": voc.RECEPTION,
        "visibility": voc.VISIBILITY,
    }
    for name, allowed in choices.items():
        if clean[name] not in allowed:
            problems.append(Problem(name, "required" if not clean[name] else "unknown_value"))
    list_choices = {
        "thematiques": voc.THEMATIQUES,
        "publics": voc.PUBLICS,
        "modes_accueil": voc.MODES_ACCUEIL,
        "mobilisable_par": voc.MOBILISABLE_PAR,
    }
    for name, vocabulary in list_choices.items():
        if any(item not in vocabulary for item in clean[name]):
            problems.append(Problem(name, "unknown_value"))


def _check_formats(clean: dict[str, Any], problems: list[Problem]) -> None:
    for name in ("phone", "pro_phone"):
        try:
            clean[name] = normalise_phone(clean[name])
        except ValueError:
            problems.append(Problem(name, "phone"))
    for name in ("email", "pro_email"):
        if clean[name] and not is_email(clean[name]):
            problems.append(Problem(name, "email"))
    if clean["website"] and not valid_url(clean["website"]):
        problems.append(Problem("website", "url"))
    if clean["opening_hours"] and not valid_opening_hours(clean["opening_hours"]):
        problems.append(Problem("opening_hours", "opening_hours"))
    if clean["postcode"] and not POSTCODE_RE.match(clean["postcode"]):
        problems.append(Problem("postcode", "postcode"))
    if clean["uid"] and not UID_RE.match(clean["uid"]):
        problems.append(Problem("uid", "uid"))


def _check_lists(clean: dict[str, Any], problems: list[Problem]) -> None:
    if any(not ZONE_RE.match(code) for code in clean["zone_eligibilite"]):
        problems.append(Problem("zone_eligibilite", "zone"))
    if any(not valid_language(code) for code in clean["languages"]):
        problems.append(Problem("languages", "language"))
    if len(clean["communes"]) > 400 or any(len(c) > 80 for c in clean["communes"]):
        problems.append(Problem("communes", "too_long"))


def _check_rules(clean: dict[str, Any], problems: list[Problem]) -> None:
    if not 3 <= len(clean["name"]) <= 150:
        problems.append(Problem("name", "name_length"))
    if clean["category"] in voc.PROFESSIONAL_CATEGORIES and clean["visibility"] == "public":
        problems.append(Problem("visibility", "perpetrators_public"))


def _clean_dates(values: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in DATE_FIELDS:
        raw = values.get(name)
        if raw is None or raw == "":
            clean[name] = None
        elif isinstance(raw, dt.datetime):
            clean[name] = raw
        elif isinstance(raw, dt.date):
            clean[name] = dt.datetime.combine(raw, dt.time())
        else:
            try:
                clean[name] = dt.datetime.combine(dt.date.fromisoformat(str(raw)), dt.time())
            except ValueError:
                problems.append(Problem(name, "date"))
                clean[name] = None
    return clean


def clean_entry(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validated and normalised values for an entry; EntryInvalid names every problem."""
    problems: list[Problem] = []
    clean = _clean_text(values, problems)
    clean.update(_clean_lists(values, problems))
    clean.update(_clean_flags(values))
    clean.update(_clean_dates(values, problems))
    _check_choices(clean, problems)
    _check_formats(clean, problems)
    _check_lists(clean, problems)
    _check_rules(clean, problems)
    if not clean["thematiques"] and clean["category"] in voc.DEFAULT_THEMATIQUES:
        clean["thematiques"] = list(voc.DEFAULT_THEMATIQUES[clean["category"]])
    if problems:
        raise EntryInvalid(problems)
    return clean


# --- Changes -----------------------------------------------------------------------------------


def new_uid() -> str:
    return f"loire-{secrets.token_hex(6)}"


def _target(entry: DirectoryEntry) -> str:
    return f"directory:{entry.uid}"


def create_entry(values: Mapping[str, Any], actor: StaffUser | None) -> DirectoryEntry:
    """Add a validated entry to the session with its audit event; the caller commits."""
    clean = clean_entry(values)
    editable = {name: clean[name] for name in EDITABLE}
    entry = DirectoryEntry(uid=clean["uid"] or new_uid(), updated_at=utcnow(), **editable)
    db.session().add(entry)
    db.session().flush()
    audit.record("directory.create", actor, _target(entry))
    return entry


def update_entry(entry: DirectoryEntry, values: Mapping[str, Any], actor: StaffUser) -> list[str]:
    """Apply the editable values; returns the names of the fields that changed."""
    clean = clean_entry({**values, "uid": entry.uid})
    changed = [name for name in EDITABLE if getattr(entry, name) != clean[name]]
    for name in changed:
        setattr(entry, name, clean[name])
    if changed:
        entry.updated_at = utcnow()
        audit.record("directory.update", actor, _target(entry), fields=sorted(changed))
    return changed


def mark_verified(entry: DirectoryEntry, actor: StaffUser) -> None:
    """Someone checked the entry with the service: the clock of staleness starts again."""
    entry.verified_at = utcnow()
    entry.verified_by = actor.display_name or actor.username
    audit.record("directory.verify", actor, _target(entry))


def set_hidden(entry: DirectoryEntry, hidden: bool, actor: StaffUser) -> None:
    """Take an entry off every listing (or put it back) without losing it."""
    entry.hidden = hidden
    audit.record("directory.hide" if hidden else "directory.show", actor, _target(entry))


# --- Listings ----------------------------------------------------------------------------------


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
