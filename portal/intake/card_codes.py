"""Short card codes that a person can type from a card: Crockford's base 32, read forgivingly.

A code is six random symbols (about a billion possibilities), printed in two groups of three
(`K7M-2QX`). Reading ignores case, dashes and spaces, and takes O for 0 and I or L for 1, so the
look-alikes a person may type still find the card.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 6
GROUP = 3
# What people type for a symbol that is not in the alphabet.
LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
IGNORED = str.maketrans("", "", "- \t\u00a0\u2010\u2011\u2012\u2013\u2014")
# Longer input is not a code however it is written: never worth reading further.
MAX_INPUT = 24


# What a person may have typed for a code, right or wrong; any other path is simply not a page.
TYPED = re.compile(r"[0-9A-Za-z][0-9A-Za-z \-]{0,23}")


def could_be_typed(text: str) -> bool:
    """Whether a path could be a person's try at a code (then it leads to a form, never a 404)."""
    return TYPED.fullmatch(text) is not None


def new_code() -> str:
    """A fresh random code, as stored (no dash)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str | None) -> str | None:
    """The stored form of what a person typed, or None when it cannot be a code."""
    if not text or len(text) > MAX_INPUT:
        return None
    code = text.translate(IGNORED).upper().translate(LOOK_ALIKES)
    if len(code) != LENGTH or any(symbol not in ALPHABET for symbol in code):
        return None
    return code


def printed(code: str) -> str:
    """The code as printed on a card: `K7M-2QX`."""
    return f"{code[:GROUP]}-{code[GROUP:]}"
