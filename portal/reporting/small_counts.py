"""What of the statistics may be published: any count from 1 to SMALL_COUNT - 1 is withheld (zero
is shown: it singles nobody out), a second count when a single withheld one could be worked out
from the total, and a median computed from fewer than SMALL_COUNT values."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from portal.reporting.statistics import COUNTS, Breakdown, Tally

SMALL_COUNT = 5


@dataclass(frozen=True)
class PublishedRow:
    """One line of the page and of the CSV, safe to hand to the Préfecture: None is withheld."""

    group: Any
    counts: dict[str, int | None]
    median_hours: float | None
    # A median exists but is withheld (fewer than SMALL_COUNT values), rather than no call yet.
    median_withheld: bool
    suppressed: bool


def published_count(count: int) -> int | None:
    return None if 0 < count < SMALL_COUNT else count


def published_median(values: Sequence[float]) -> float | None:
    if len(values) < SMALL_COUNT:
        return None
    return round(statistics.median(values), 1)


def _withhold_second(column: list[int | None], exact: list[int], total: int | None) -> None:
    """A single withheld count would be the total minus the rest: withhold the next smallest."""
    if total is None or column.count(None) != 1:
        return
    shown = [(exact[i], i) for i, v in enumerate(column) if v is not None and v > 0]
    if shown:
        column[min(shown)[1]] = None


def publish(breakdown: Breakdown, total: Tally) -> tuple[list[PublishedRow], PublishedRow]:
    """Apply the small-count rules to every group and to the total row."""
    keys = list(breakdown.groups)
    tallies = [breakdown.groups[k] for k in keys]
    total_counts = {name: published_count(total.counts[name]) for name in COUNTS}
    columns: dict[str, list[int | None]] = {}
    for name in COUNTS:
        exact = [t.counts[name] for t in tallies]
        column = [published_count(n) for n in exact]
        _withhold_second(column, exact, total_counts[name])
        columns[name] = column
    rows = [_row(key, {n: columns[n][i] for n in COUNTS}, tallies[i]) for i, key in enumerate(keys)]
    return rows, _row(None, total_counts, total)


def _row(group: Any, counts: dict[str, int | None], tally: Tally) -> PublishedRow:
    median = published_median(tally.hours)
    median_withheld = median is None and bool(tally.hours)
    return PublishedRow(
        group, counts, median, median_withheld, None in counts.values() or median_withheld
    )
