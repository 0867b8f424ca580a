"""`flask --app portal …` run as an operator runs it: another process, its own environment."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

FLASK = (sys.executable, "-m", "flask", "--app", "portal")


def run_flask(
    *args: str,
    env: Mapping[str, str],
    cwd: Path,
    stdin: str | None = None,
    python: Sequence[str] = (),
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; its exit code, output and errors are the test's to read.
    `python` holds options for the interpreter itself (`-X importtime`)."""
    flask = [sys.executable, *python, *FLASK[1:]]
    return subprocess.run(  # noqa: S603 - this interpreter and the portal's own command
        [*flask, *args],
        env=dict(env),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
