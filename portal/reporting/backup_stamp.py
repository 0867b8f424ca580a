"""The time of the last good backup, as the backup job leaves it for the app to show.

The job writes the file PORTAL_BACKUP_STAMP names after each backup it verified: a Unix time or
an ISO 8601 time on its first line (`date -u +%FT%TZ > …`), or nothing, the file's modification
time then counting (`touch …`). /metrics shows it; an alert fires when it grows old.
"""

from __future__ import annotations

import datetime as dt
import os


def _parsed(first_line: str) -> float | None:
    try:
        return float(first_line)
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(first_line.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def last_backup(path: str) -> float:
    """The Unix time of the last good backup; 0 when no stamp can be read."""
    if not path:
        return 0.0
    try:
        with open(path, encoding="utf-8", errors="replace") as stamp:
            first_line = stamp.readline(200).strip()
        written = os.stat(path).st_mtime
    except OSError:
        return 0.0
    parsed = _parsed(first_line) if first_line else None
    return parsed if parsed is not None else written
