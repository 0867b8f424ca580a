"""Calls in another language than French: the one rule for "interpreter needed"."""

from __future__ import annotations

# The language the social workers speak; any other call language needs an interpreter.
WORKING_LANGUAGE = "fr"


def needs_interpreter(call_language: str | None) -> bool:
    """True when the call is to be held in a language other than French (easy-to-read French
    is French)."""
    if not call_language:
        return False
    return call_language.split("-")[0].lower() != WORKING_LANGUAGE
