"""Phone numbers as people type, read and dial them: national format for French numbers,
international otherwise, a service's short number (3919, 116 006) as it is written, always on one
line and left to right (also inside Arabic or Persian text)."""

from __future__ import annotations

import re

import phonenumbers
from flask import Flask
from markupsafe import Markup, escape
from phonenumbers import shortnumberinfo

from portal.core.fields import PhoneRefused, phone_e164

DEFAULT_REGION = "FR"
# Groups joined by no-break spaces never wrap; LRI … PDI keeps the digits left to right in plain
# text (a translated sentence, a form hint), as <bdi dir="ltr"> does in HTML.
NO_BREAK_SPACE = "\u00a0"
LEFT_TO_RIGHT_ISOLATE = "\u2066"
POP_DIRECTIONAL_ISOLATE = "\u2069"
# A service's short number (17, 3919, 116 006) is stored as its digits, never in E.164.
SHORT_NUMBER_DIGITS = 6


def parse_phone(text: str | None) -> str | None:
    """A number typed in any usual way ('07 58 11 22 33', '0033 7…') as E.164, or None."""
    if not text or len(text) > 40:
        return None
    try:
        return phone_e164(text)
    except PhoneRefused:
        return None


def parse_service_number(raw: str) -> str:
    """A service's number as stored: a French number in E.164, a French short number as its
    digits, "" for none; ValueError for anything else."""
    text = raw.strip()
    if not text:
        return ""
    try:
        return phone_e164(text)
    except PhoneRefused as exc:
        digits = re.sub(r"\D", "", text)
        if exc.number is None or len(digits) > SHORT_NUMBER_DIGITS:
            raise ValueError("phone") from exc
        if not shortnumberinfo.is_valid_short_number_for_region(exc.number, DEFAULT_REGION):
            raise ValueError("phone") from exc
        return digits


def is_short_number(raw: str | None) -> bool:
    """True for a short number as stored (digits only): 17, 3919, 116006."""
    return raw is not None and raw.isdigit() and len(raw) <= SHORT_NUMBER_DIGITS


def display_phone(raw: str | None, region: str = DEFAULT_REGION) -> str:
    """'07 58 11 22 33' for a French number, '+44 20 7946 0958' for another (no-break spaces)."""
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw.replace(" ", NO_BREAK_SPACE)
    if phonenumbers.region_code_for_number(number) == region:
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    else:
        style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style).replace(" ", NO_BREAK_SPACE)


def typed_phone(raw: str | None) -> str:
    """The number as a person types it back into a form field: the display with plain spaces."""
    return display_phone(raw).replace(NO_BREAK_SPACE, " ")


def phone_in_text(raw: str | None) -> str:
    """The number for a plain-text sentence: isolated left to right, on one line."""
    return LEFT_TO_RIGHT_ISOLATE + display_phone(raw) + POP_DIRECTIONAL_ISOLATE


def tel_uri(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """'tel:+33758112233' (or 'tel:3919') for tap-to-call, or None when the number cannot be
    read."""
    if is_short_number(raw):
        return f"tel:{raw}"
    try:
        number = phonenumbers.parse(raw or "", region)
    except phonenumbers.NumberParseException:
        return None
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sms_uri(raw: str | None) -> str | None:
    """'sms:114' for tap-to-text, or None when the number cannot be read."""
    uri = tel_uri(raw)
    return None if uri is None else "sms:" + uri.removeprefix("tel:")


def phone_text(raw: str | None) -> Markup:
    """The number, isolated left to right and kept on one line (the `phone` class)."""
    return Markup('<bdi dir="ltr" class="phone">{}</bdi>').format(display_phone(raw))


def phone_link(raw: str | None) -> Markup:
    """The number as a tap-to-call link; plain text when it cannot be dialled."""
    uri = tel_uri(raw)
    if uri is None:
        return phone_text(raw)
    return Markup('<a href="{}">{}</a>').format(escape(uri), phone_text(raw))


def init_app(app: Flask) -> None:
    """Templates write `{{ number|phone }}` or `{{ number|phone_link }}`."""
    app.add_template_filter(phone_text, "phone")
    app.add_template_filter(phone_link, "phone_link")
