"""Commands start fast: nothing expensive happens when `portal` is imported and its app built
(no Argon2 hash, no PDF, migration or metrics library), so `flask --app portal …` is quick.
Timings are for bench/command_start.py; this checks what makes them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers.settings import KEYS

# Loaded when they are needed: printing cards, migrating, a scrape, a new password.
HEAVY = ("fpdf", "pypdf", "alembic", "mako", "pygments", "prometheus_client", "zxcvbn")


def command_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        PORTAL_INSTANCE_PATH=str(tmp_path),
        PORTAL_SECRET_KEY=KEYS["SECRET_KEY"],
        PORTAL_CARD_KEY=KEYS["CARD_KEY"],
        PORTAL_BLIND_INDEX_KEY=KEYS["BLIND_INDEX_KEY"],
        PORTAL_DATA_KEYS=",".join(KEYS["DATA_KEYS"]),
    )
    return env


def test_the_help_imports_nothing_heavy(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flask", "--app", "portal", "--help"],
        env=command_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "create-user" in done.stdout and "card-batch" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "portal.stations.card_print" in imported  # the command modules themselves are there
    assert sorted(imported & set(HEAVY)) == []


def test_building_the_app_computes_no_password_hash(tmp_path: Path) -> None:
    probe = (
        "import portal\n"
        "from portal.staff import auth\n"
        "portal.create_app()\n"
        "print(auth._dummy_hash.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=command_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "0"
