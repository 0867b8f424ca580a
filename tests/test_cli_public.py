"""The operator commands that touch the public side: the link printed on cards, and statistics
that carry no personal data."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from helpers.commands import run_flask
from helpers.fixture_types import StoredRequests, Submit
from helpers.settings import keys_env, production_env
from helpers.web import VALID_FORM, csrf_token

ROOT = Path(__file__).resolve().parent.parent
# Runs one `flask --app portal` command inside the app's context.
RunCommand = Callable[..., Result]


@pytest.fixture
def cli(app: Flask, runner: FlaskCliRunner) -> RunCommand:
    """Run a command as `flask --app portal` would, inside the app's context."""

    def run(*args: str) -> Result:
        with app.app_context():
            return runner.invoke(args=list(args))

    return run


def test_card_link_routes_to_its_station(
    cli: RunCommand, client: FlaskClient, stored_requests: StoredRequests
) -> None:
    result = cli("card-link", "firminy")
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    parts = urlsplit(link)
    assert parts.scheme == "https" and parts.netloc == "portal.example"
    # The short address printed on cards: the base URL, a slash and the code.
    assert len(parts.path) == len("/K7M-2QX") and parts.path[4] == "-"
    opened = client.get(parts.path, headers={"Accept-Language": "en"})
    assert opened.status_code == 302
    path = opened.headers["Location"]
    assert path == "/en/"  # the form's plain address; the card rides in the session
    body = client.get(path).get_data(as_text=True)
    assert 'name="station"' not in body
    data = {**VALID_FORM, "csrf_token": csrf_token(client, path)}
    data.pop("station")
    assert client.post(path, data=data).status_code == 303
    [stored] = stored_requests()
    assert stored.station and stored.station.code == "firminy"


def test_card_link_is_stable_until_a_new_batch(cli: RunCommand) -> None:
    first = cli("card-link", "roanne").output.strip()
    again = cli("card-link", "roanne").output.strip()
    fresh = cli("card-link", "roanne", "--new-batch", "2027 print").output.strip()
    assert first == again
    assert fresh != first


def test_card_link_with_a_language(cli: RunCommand, client: FlaskClient) -> None:
    link = cli("card-link", "roanne", "--lang", "ar").output.strip()
    path = urlsplit(link).path
    assert path.startswith("/ar/c/")
    assert 'name="station"' not in client.get(path).get_data(as_text=True)


def test_card_link_for_an_unknown_station_is_a_clear_error(cli: RunCommand) -> None:
    result = cli("card-link", "atlantis")
    assert result.exit_code != 0
    assert "atlantis" in result.output
    assert "Traceback" not in result.output


def test_card_link_for_an_unknown_language_is_a_clear_error(cli: RunCommand) -> None:
    result = cli("card-link", "roanne", "--lang", "xx")
    assert result.exit_code != 0
    assert "xx" in result.output


def test_stats_count_per_station_and_status_without_personal_data(
    cli: RunCommand, submit: Submit
) -> None:
    submit(name="Samira", message="Bernard must not know", phone="06 98 76 54 32")
    submit(name="Nadia", phone="07 58 12 34 56", station="unknown")
    submit(phone="06 45 67 89 01", station="roanne")
    result = cli("stats")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["total"] == 3
    assert stats["stations"]["st-etienne"] == {"new": 1}
    assert stats["stations"]["roanne"] == {"new": 1}
    assert stats["stations"]["unrouted"] == {"new": 1}
    assert stats["stations"]["firminy"] == {}
    for secret in ("Samira", "Nadia", "Bernard", "9876", "698765432", "5812", "4567"):
        assert secret not in result.output


def test_stats_on_an_empty_database(cli: RunCommand) -> None:
    stats = json.loads(cli("stats").output)
    assert stats["total"] == 0


def test_the_real_flask_command_prints_a_working_link(
    app: Flask, client: FlaskClient, migrated_database: str
) -> None:
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": migrated_database,
        **keys_env(),
        **production_env(),
        "PORTAL_PUBLIC_BASE_URL": "https://cards.example",
    }
    done = run_flask("card-link", "gendarmerie", "--lang", "fr", env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    assert link.startswith("https://cards.example/fr/c/")
    body = client.get(urlsplit(link).path).get_data(as_text=True)
    assert 'name="station"' not in body
