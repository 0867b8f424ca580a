"""Fill the English catalogue from the source strings, which are written in English."""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def main(path: str = "translations/en/LC_MESSAGES/messages.po") -> None:
    with open(path, "rb") as fh:
        catalogue = read_po(fh, locale="en")
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            message.string = tuple(message.id)
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with open(path, "wb") as fh:
        write_po(fh, catalogue, sort_output=True, omit_header=False, width=100)


if __name__ == "__main__":
    main(*sys.argv[1:])
