"""Commands start fast: nothing expensive happens when `portal` is imported and its app built
(no Argon2 hash, no PDF, migration or metrics library), and the flask command lists the
commands without the database layer or the views, so `flask --app portal …` is quick. The
app it loads is whole as soon as something needs it: a command, a request, the shell, the
routes. Timings are for bench/command_start.py; this checks what makes them."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Blueprint, Flask
from helpers.commands import FLASK, run_flask
from helpers.production import free_port
from helpers.settings import keys_env

from portal import cli
from portal.core.application import PortalApp

# Loaded when they are needed: printing cards, migrating, a scrape, a new password.
HEAVY = ("fpdf", "pypdf", "alembic", "mako", "pygments", "prometheus_client", "zxcvbn")
# Loaded when a command runs or a request comes: the database layer, sign-in, QR codes, views.
WEB_PART = (
    "sqlalchemy",
    "flask_sqlalchemy",
    "webauthn",
    "authlib",
    "segno",
    "portal.models",
    "portal.public",
    "portal.backoffice",
    "portal.stations.card_print",
)


def command_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return {**env, "PORTAL_INSTANCE_PATH": str(tmp_path), **keys_env()}


def flask_command(tmp_path: Path, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """A command run from a scratch folder, with the tests' keys and nothing else set."""
    return run_flask(*args, env=command_env(tmp_path), cwd=tmp_path, **options)


def test_the_help_imports_nothing_heavy(tmp_path: Path) -> None:
    done = flask_command(tmp_path, "--help", python=("-X", "importtime"))
    assert done.returncode == 0, done.stderr[-2000:]
    for name in cli.COMMANDS:
        assert name in done.stdout
    assert "Create a staff account and print its one-time" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "portal.core.config" in imported  # the app was built, its configuration read
    assert sorted(imported & {*HEAVY, *WEB_PART}) == []


def test_every_command_is_listed_with_its_own_summary() -> None:
    modules = sorted(p.stem for p in Path(cli.__file__).parent.glob("*.py") if p.stem[0] != "_")
    commands = {
        command.name: module
        for module in modules
        for command in getattr(importlib.import_module(f"portal.cli.{module}"), "COMMANDS", ())
    }
    assert {name: module for name, (module, _summary) in cli.COMMANDS.items()} == commands
    for name, (_module, summary) in cli.COMMANDS.items():
        listed = cli.ListedCommand(name, summary)
        assert listed.get_short_help_str(200) == cli.load(name).get_short_help_str(200)


def test_a_command_run_by_the_flask_command_has_the_whole_app(tmp_path: Path) -> None:
    assert flask_command(tmp_path, "init-db").returncode == 0
    added = flask_command(
        tmp_path,
        *("station-add", "SE42", "--name", "Saint-Étienne", "--kind", "commissariat"),
        *("--commune", "Saint-Étienne", "--callback-number", "04 77 00 00 42"),
    )
    assert added.returncode == 0, added.stderr[-2000:]
    listed = flask_command(tmp_path, "station-list")
    assert '"code": "se42"' in listed.stdout
    asked = flask_command(tmp_path, "create-user", "--help")
    assert "--email" in asked.stdout and "--station" in asked.stdout


def test_the_shell_and_the_routes_of_the_flask_command_see_the_whole_app(tmp_path: Path) -> None:
    shell = flask_command(tmp_path, "shell", stdin="print(sorted(app.extensions))\n")
    assert "'portal_db'" in shell.stdout and "'limiter'" in shell.stdout
    routes = flask_command(tmp_path, "routes")
    assert "/staff/login" in routes.stdout and "/healthz" in routes.stdout


def test_the_development_server_serves_whole_pages_from_its_first_requests(
    tmp_path: Path,
) -> None:
    port = free_port()
    assert flask_command(tmp_path, "init-db").returncode == 0
    server = subprocess.Popen(
        [*FLASK, "run", "--port", str(port)],
        env=command_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("the development server did not start")
            time.sleep(0.1)
        # Several first requests at once: each waits for the one that attaches the web part.
        paths = ["/fr/", "/staff/login", "/healthz", "/en/", "/fr/", "/staff/login"]
        with ThreadPoolExecutor(len(paths)) as pool:
            pages = list(
                pool.map(lambda p: requests.get(f"http://127.0.0.1:{port}{p}", timeout=30), paths)
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert [page.status_code for page in pages] == [200] * len(paths)
    for page in pages:
        assert "no-store" in page.headers["Cache-Control"]
        assert "default-src" in page.headers["Content-Security-Policy"]


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


def test_a_web_part_that_fails_to_attach_fails_every_later_use() -> None:
    app = PortalApp("attach-test")
    app.attach_later(_fails)
    with pytest.raises(LookupError):
        app.test_client().get("/")
    for _ in range(2):  # never a half-built app answering 404s
        with pytest.raises(RuntimeError, match="could not be built"):
            app.test_client().get("/")
    with pytest.raises(RuntimeError):
        assert app.extensions is not None


def _fails(app: Flask) -> None:
    app.register_blueprint(Blueprint("half", __name__))
    raise LookupError("a catalogue is missing")
