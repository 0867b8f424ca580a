"""The public directory page, /<lang>/directory: the national numbers, then the public entries."""

from __future__ import annotations

import logging

from flask import render_template
from sqlalchemy.exc import SQLAlchemyError

from portal.core import db
from portal.core.helplines import NATIONAL_NUMBERS
from portal.directory import search
from portal.directory.presentation import filter_choices, page_of, public_card
from portal.models import DirectoryEntry

log = logging.getLogger(__name__)


def _public_entries_or_none() -> list[DirectoryEntry] | None:
    """The public entries, or None when the database does not answer."""
    try:
        return search.public_entries()
    except SQLAlchemyError as exc:
        log.error("directory unavailable: %s", type(exc).__name__)
        db.session().rollback()
        return None


def directory_page() -> str:
    """The public directory: national numbers first, then the public entries, filtered.

    Without the database the national numbers are still shown: they matter most.
    """
    found_entries = _public_entries_or_none()
    everything = found_entries or []
    choices = filter_choices(everything)
    found, page = page_of(search.apply_filters(everything, choices.filters))
    return render_template(
        "directory/public.html",
        numbers=NATIONAL_NUMBERS,
        cards=[public_card(e) for e in found],
        choices=choices,
        page=page,
        unavailable=found_entries is None,
    )
