"""Opening hours in the OpenStreetMap `opening_hours` grammar ("Mo-Fr 09:00-17:00; Sa 09:00-12:00"):
checking what the coordinator types, and reading it out in the visitor's language."""

from __future__ import annotations

import re

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _

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
