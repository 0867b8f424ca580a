"""Request references that staff can read out on the phone: short, grouped, no look-alikes.

New references are seven characters of the code alphabet (no 0/O, 1/I/L, U) in groups, like
"K7M-2QX-9"; older ones ("R273FZ8TZ") keep working. Looking one up ignores case, spaces and dashes.
"""

from __future__ import annotations

import secrets

from portal.core.crypto import CODE_ALPHABET

LENGTH = 7
GROUPS = (3, 3, 1)


def new_reference() -> str:
    """A fresh reference such as 'K7M-2QX-9' (30**7, about 22 billion, possible values)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(LENGTH))
    return grouped(raw)


def grouped(raw: str) -> str:
    parts, start = [], 0
    for size in GROUPS:
        parts.append(raw[start : start + size])
        start += size
    return "-".join(parts)


def lookup_key(text: str | None) -> str | None:
    """The stored form of a reference as typed ('k7m 2qx9' -> 'K7M-2QX-9'), or None."""
    if not text or len(text) > 40:
        return None
    raw = "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())
    if len(raw) == LENGTH and all(ch in CODE_ALPHABET for ch in raw):
        return grouped(raw)
    if len(raw) == 9 and raw.startswith("R"):  # the older format, stored without dashes
        return raw
    return None
