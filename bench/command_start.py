"""How long a command takes to start: `flask --app portal --help` against `flask --help`,
and a command that reads the database (`station-list`), which loads the whole app.

Run as `.venv/bin/python bench/command_start.py [--runs N]`. Both commands run from the same
environment (this Python's), alternately, in the same run, from a scratch folder with keys in the
environment; the figures are wall-clock seconds per command (minimum and median), and the portal's
extra cost over Flask alone. The budget in the design: well under a second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_SECONDS = 1.0


def environment(instance: Path) -> dict[str, str]:
    """An embedded set-up with its keys generated once, as `make run` has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PORTAL_INSTANCE_PATH"] = str(instance)
    return env


def timed(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, cwd=cwd, capture_output=True, check=True, timeout=120)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    flask = [sys.executable, "-m", "flask"]
    commands = {
        "flask --help": [*flask, "--help"],
        "flask --app portal --help": [*flask, "--app", "portal", "--help"],
        "flask --app portal station-list": [*flask, "--app", "portal", "station-list"],
    }
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as scratch:
        cwd = Path(scratch)
        env = environment(cwd / "instance")
        timed([*flask, "--app", "portal", "init-db"], env, cwd)
        for args in commands.values():  # warm the file cache; the first run makes the keys
            timed(args, env, cwd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(options.runs):
            for name, args in commands.items():
                times[name].append(timed(args, env, cwd))
    print(f"{options.runs} runs each, alternately, with {sys.executable}")
    for name, found in times.items():
        print(f"  {name:32} min {min(found):.2f} s   median {statistics.median(found):.2f} s")
    extra = statistics.median(times["flask --app portal --help"]) - statistics.median(
        times["flask --help"]
    )
    portal = statistics.median(times["flask --app portal --help"])
    verdict = "within" if portal < BUDGET_SECONDS else "over"
    print(f"  the portal adds {extra:.2f} s; {verdict} the budget of {BUDGET_SECONDS:.1f} s")


if __name__ == "__main__":
    main()
