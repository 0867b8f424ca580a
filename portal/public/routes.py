"""The victim-facing pages, registered on one blueprint: the request form and the card's
addresses, the confirmation, her request opened with its code, and the pages that inform."""

from __future__ import annotations

from portal.public import (  # noqa: F401
    card_views,
    case_views,
    info_views,
    request_views,
)
from portal.public.blueprint import bp

__all__ = ["bp"]
