"""CSV cells a spreadsheet shows as text: every export writes its cells through here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# A spreadsheet runs a cell starting so as a formula (=HYPERLINK(…) sends data away).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# The prefix that makes a spreadsheet read the cell as text; spreadsheets do not show it.
TEXT_PREFIX = "'"


def neutralise(value: str) -> str:
    """The cell as text: a leading apostrophe before a formula start (and before an apostrophe,
    so that `restore` gives back exactly what was written)."""
    if value.startswith((*FORMULA_STARTS, TEXT_PREFIX)):
        return TEXT_PREFIX + value
    return value


def restore(value: str) -> str:
    """The value `neutralise` was given: what an import reads from an exported cell."""
    return value[1:] if value.startswith(TEXT_PREFIX) else value


def write_rows(rows: Iterable[Iterable[str]], lineterminator: str = "\r\n") -> str:
    """A whole CSV file of text cells, each one neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()
