"""The public blueprint and what its views share: the language check, the choices of safe times,
the "not saved" page and the filter that makes emergency numbers tappable."""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, abort, render_template
from flask_babel import get_locale

from portal.casework.windows import EVERY_DAY, PUBLIC_SLOTS, day_label, window_label
from portal.core.helplines import emergency_numbers
from portal.core.i18n import public_languages
from portal.public.forms import SafeTimesForm, aria_attributes
from portal.public.tappable import tappable_numbers

bp = Blueprint("public", __name__)
bp.add_app_template_global(aria_attributes)
bp.add_app_template_filter(tappable_numbers, "tappable")

# HEAD answers as GET does (monitors use it), without the body.
READING_METHODS = ("GET", "HEAD")


@bp.url_value_preprocessor
def _check_language(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "lang" in values and values["lang"] not in public_languages():
        abort(404)


@functools.lru_cache(maxsize=32)
def _window_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """The windows as the reader's locale writes times; the same for every request in it."""
    return tuple((slot, window_label(slot)) for slot in PUBLIC_SLOTS)


@functools.lru_cache(maxsize=32)
def _day_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """Monday to Sunday in the reader's language."""
    return tuple((str(day), day_label(day)) for day in EVERY_DAY)


def window_choices() -> list[tuple[str, str]]:
    return list(_window_choices(str(get_locale())))


def day_choices() -> list[tuple[str, str]]:
    return list(_day_choices(str(get_locale())))


def safe_times_form() -> SafeTimesForm:
    return SafeTimesForm(window_choices=window_choices(), day_choices=day_choices())


def not_saved_page(cancelling: bool = False) -> tuple[str, int]:
    """The plain 503 page that says the request (or its cancellation) was NOT saved."""
    page = render_template(
        "public/not_saved.html", cancelling=cancelling, emergency=emergency_numbers()
    )
    return page, 503
