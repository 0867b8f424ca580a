"""Refusing to serve fiction: with a server database or HTTPS, the app does not start while the
coordinator's number, the data controller, its contact or the public address keep their defaults,
and it never makes keys or a database file inside the Python environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from flask import Flask
from helpers.commands import run_flask
from helpers.production import Gunicorn
from helpers.settings import KEYS, PRODUCTION_SETTINGS, keys_env, production_env

from portal import create_app
from portal.core.production import SettingsRefused

ROOT = Path(__file__).resolve().parent.parent
SERVER_DATABASE = "postgresql+psycopg://portal@127.0.0.1:9/portal"  # never connected to here
REQUIRED = ("COORDINATOR_PHONE", "CONTROLLER", "CONTROLLER_CONTACT", "PUBLIC_BASE_URL")


def without_portal_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}


def test_a_server_database_on_defaults_is_refused_naming_each_setting() -> None:
    with pytest.raises(SettingsRefused) as refused:
        create_app({"DATABASE_URL": SERVER_DATABASE, **KEYS})
    for name in REQUIRED:
        assert f"PORTAL_{name}" in refused.value.message


def test_only_the_settings_left_at_their_default_are_named() -> None:
    settings = {**PRODUCTION_SETTINGS}
    del settings["COORDINATOR_PHONE"]
    with pytest.raises(SettingsRefused) as refused:
        create_app({"DATABASE_URL": SERVER_DATABASE, **settings, **KEYS})
    assert "PORTAL_COORDINATOR_PHONE" in refused.value.message
    assert "PORTAL_CONTROLLER" not in refused.value.message
    assert "PORTAL_PUBLIC_BASE_URL" not in refused.value.message


def test_https_on_the_embedded_database_is_production_too(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    with pytest.raises(SettingsRefused, match="PORTAL_CONTROLLER_CONTACT"):
        create_app({"DATABASE_URL": database, "HTTPS": True, **KEYS})
    started = create_app({"DATABASE_URL": database, "HTTPS": True, **PRODUCTION_SETTINGS, **KEYS})
    assert isinstance(started, Flask)


def test_the_fictional_number_written_another_way_is_still_refused() -> None:
    settings = {**PRODUCTION_SETTINGS, "COORDINATOR_PHONE": "04 65 71 00 00"}
    with pytest.raises(SettingsRefused, match="PORTAL_COORDINATOR_PHONE"):
        create_app({"DATABASE_URL": SERVER_DATABASE, **settings, **KEYS})


def test_a_blank_setting_counts_as_missing() -> None:
    settings = {**PRODUCTION_SETTINGS, "CONTROLLER_CONTACT": "  "}
    with pytest.raises(SettingsRefused, match="PORTAL_CONTROLLER_CONTACT"):
        create_app({"DATABASE_URL": SERVER_DATABASE, **settings, **KEYS})


def test_the_embedded_set_up_keeps_its_defaults(tmp_path: Path) -> None:
    """`make run` and a newcomer's first run: SQLite, no HTTPS, the defaults."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", **KEYS})
    assert app.config["COORDINATOR_PHONE"] == "+33465710000"


def test_the_command_line_says_why_in_one_line_per_setting(tmp_path: Path) -> None:
    env = {
        **without_portal_settings(),
        **keys_env(),
        **production_env(),
        "PORTAL_DATABASE_URL": SERVER_DATABASE,
    }
    del env["PORTAL_COORDINATOR_PHONE"]
    done = run_flask("init-db", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert "PORTAL_COORDINATOR_PHONE" in done.stderr and "Traceback" not in done.stderr
    assert "PORTAL_CONTROLLER" not in done.stderr


def test_gunicorn_refuses_to_start_and_names_the_setting(tmp_path: Path) -> None:
    env = {
        **keys_env(),
        **production_env(),
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "PORTAL_HTTPS": "true",
    }
    del env["PORTAL_COORDINATOR_PHONE"]
    server = Gunicorn({**without_portal_settings(), **env}, tmp_path / "gunicorn.log", workers=1)
    with pytest.raises(RuntimeError, match="PORTAL_COORDINATOR_PHONE"):
        server.start(wait=20)
    assert "Booting worker" not in server.log()  # refused before any worker started


def test_no_keys_are_made_inside_the_python_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed package's default instance folder is <venv>/var/portal-instance: a rebuilt
    environment would lose the keys, and every encrypted field with them."""
    inside = Path(sys.prefix) / "var" / f"portal-instance-test-{os.getpid()}"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda _self: str(inside))
    monkeypatch.delenv("PORTAL_INSTANCE_PATH", raising=False)
    database = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    with pytest.raises(SettingsRefused, match="PORTAL_INSTANCE_PATH") as refused:
        create_app({"DATABASE_URL": database})
    assert "PORTAL_SECRET_KEY" in refused.value.message
    with pytest.raises(SettingsRefused, match="database file"):
        create_app({**KEYS})
    assert not inside.exists()
    # Named by the operator, the folder is used, and the keys are kept there.
    named = tmp_path / "instance"
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(named))
    app = create_app({"DATABASE_URL": database})
    assert (named / "keys.json").exists() and app.config["SECRET_KEY"]
