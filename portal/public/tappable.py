"""Free numbers written inside a sentence become links a phone can tap (tel: or sms:)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from portal.core.helplines import NATIONAL_NUMBERS


def _pattern(number: str) -> str:
    # "116 006" may be written with any kind of space, or none; a number inside a longer
    # number or a time ("17:00") is not this number.
    digits = r"[\s\u00a0\u202f]?".join(re.escape(part) for part in number.split())
    return rf"(?<![\d+#])(?P<n{number.replace(' ', '')}>{digits})(?![\d:])"


_HREFS = {n.number.replace(" ", ""): n.href for n in NATIONAL_NUMBERS}
# Longest first, so that "116 006" is not read as something shorter.
_NUMBERS = re.compile(
    "|".join(_pattern(n.number) for n in sorted(NATIONAL_NUMBERS, key=lambda n: -len(n.number)))
)


def _link(found: re.Match[str]) -> str:
    key = next(name for name, value in found.groupdict().items() if value is not None)
    return f'<a class="tap" href="{_HREFS[key[1:]]}">{found.group(0)}</a>'


def tappable_numbers(text: object) -> Markup:
    """The text, escaped, with each national help number in it made a link."""
    # Safe: the text is escaped first, and each link is built from our own numbers only.
    linked = _NUMBERS.sub(_link, str(escape(text)))
    return Markup(linked)  # noqa: S704  # nosec B704  # nosemgrep
