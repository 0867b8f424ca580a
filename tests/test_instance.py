"""What `make run` prepares in instance/ is readable by its owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from helpers.settings import app_config

from portal import create_app
from portal.core.config import read_or_create_keys


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_generated_keys_are_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "keys.json"
    first = read_or_create_keys(path)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert read_or_create_keys(path) == first  # generated once, then reused
    assert len({str(v) for v in first.values()}) == 4  # four distinct secrets


def test_the_embedded_database_file_is_private(tmp_path: Path) -> None:
    database = tmp_path / "portal.sqlite3"
    app = create_app(app_config(f"sqlite:///{database}"))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert _mode(database) == 0o600
