"""What a directory entry is: its fields, and the rules a value must keep to be stored (checked
alike for the coordinator's form, a correction and an import)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.core.fields import is_email
from portal.core.phone_numbers import parse_service_number
from portal.directory import vocabulary as voc
from portal.directory.opening_hours import valid_opening_hours

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


def valid_url(value: str) -> bool:
    """Web addresses only (http or https with a host): never javascript:, data: or a path."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return not any(ch.isspace() or ch in "<>\"'" for ch in value)


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
            clean[name] = parse_service_number(clean[name])
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
