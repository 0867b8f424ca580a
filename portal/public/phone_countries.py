"""The countries her number can come from, as the form offers them: France first (the default),
then the countries of the languages the service calls in and France's neighbours, named in the
reader's language; any other country is typed with + and its code."""

from __future__ import annotations

import functools

import phonenumbers
from babel import Locale

DEFAULT_COUNTRY = "FR"
COUNTRIES = (
    "FR", "BE", "CH", "LU", "MC", "DE", "IT", "ES", "PT", "GB", "NL", "PL", "RO", "MD", "BG",
    "AL", "XK", "MK", "RS", "TR", "GE", "AM", "RU", "UA", "MA", "DZ", "TN", "SN", "ML", "CI",
    "CM", "CD", "EG", "SY", "IQ", "LB", "AF", "IR", "BR",
)  # fmt: skip


@functools.lru_cache(maxsize=32)
def _choices(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).territories

    def label(region: str) -> str:
        return f"{names.get(region, region)} (+{phonenumbers.country_code_for_region(region)})"

    first, *others = COUNTRIES
    rest = sorted(others, key=lambda region: names.get(region, region))
    return tuple((region, label(region)) for region in (first, *rest))


def country_choices(locale: str) -> list[tuple[str, str]]:
    """(region code, "Ukraine (+380)") for each country offered, France first."""
    return list(_choices(locale))


def known_country(region: str | None) -> str:
    """The region to read a number in: the one chosen, or France for anything else."""
    return region if region in COUNTRIES else DEFAULT_COUNTRY
