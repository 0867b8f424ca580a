"""Rotation of the data keys: every encrypted field stays readable and ends up under the new key
alone, which the retired key cannot open; with keys in instance/keys.json or in the environment."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from helpers.factories import store_request, stored_row
from helpers.fixture_types import MakeApp
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.casework import interpreter_booking, transitions
from portal.cli.demo_data import create_demo_stations
from portal.core import crypto, db, keyring
from portal.core.config import KEYS_FILE
from portal.core.db import Base
from portal.models import AuditEvent, CallbackRequest
from portal.staff import accounts, drafts

# Every encrypted column, as "table.column".
COLUMNS = sorted(
    f"{model.__tablename__}.{column}"
    for model, columns in keyring.ENCRYPTED_FIELDS
    for column in columns
)


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several batches, and so several commits, even with a handful of rows."""
    monkeypatch.setattr(keyring, "BATCH_SIZE", 2)
    monkeypatch.delenv(keyring.ENV_VARIABLE, raising=False)


@pytest.fixture
def instance_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private instance folder, so the key file written is the test's own."""
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda _self: str(tmp_path))
    return tmp_path


def populate(app: Flask) -> None:
    """Requests, attempt notes and an enrolled account, made through the real code paths."""
    with app.app_context():
        create_demo_stations()
        db.session().commit()
        admin = accounts.create_user("coordination", "admin", [])
        admin.totp_secret_enc = crypto.encrypt(pyotp.random_base32())
        db.session().commit()
        for n in range(3):
            submitted = store_request(
                app,
                None,
                phone_e164=f"+3361234567{n}",
                safe_windows=["10:00-12:00"],
                name=f"Prénom {n}",
                message=f"Message {n}",
                cover_story=f"Le club de lecture {n}",
                call_language="ar",
            )
            request = stored_row(CallbackRequest, submitted.request_id)
            transitions.log_attempt(request, admin, "no_answer", f"Note {n}", request.version)
            transitions.commit_action()
            tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
            interpreter_booking.book(
                request, admin, tomorrow, "ISM", f"Interprète {n}", request.version
            )
            drafts.keep(
                admin.id, request.id, "attempt", MultiDict([("attempt-note", f"Brouillon {n}")])
            )
            transitions.commit_action()
            transitions.close(request, admin, "oriented", "no", request.version, f"Fin {n}")
            transitions.commit_action()
    # The readiness check writes its canary, which a rotation rewrites like any field.
    assert app.test_client().get("/healthz").status_code == 200


def tokens(app: Flask) -> dict[str, list[str]]:
    """Every stored token, by column."""
    found: dict[str, list[str]] = {}
    with app.app_context():
        for model, columns in keyring.ENCRYPTED_FIELDS:
            table = Base.metadata.tables[model.__tablename__]
            for column in columns:
                query = select(table.c[column]).where(table.c[column].is_not(None))
                key = f"{table.name}.{column}"
                found[key] = list(db.session().scalars(query.order_by(table.c.id)))
    return found


def clear_values(app: Flask) -> dict[str, list[str | None]]:
    """Every field decrypted by this app's key ring."""
    with app.app_context():
        return {
            column: [crypto.decrypt(token) for token in column_tokens]
            for column, column_tokens in tokens(app).items()
        }


def assert_opens_nothing(app: Flask, stored: dict[str, list[str]]) -> None:
    with app.app_context():
        for column_tokens in stored.values():
            for token in column_tokens:
                with pytest.raises(InvalidToken):
                    crypto.decrypt(token)


def rotation_events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == "keys.rotate")
        return list(db.session().scalars(query))


def file_keys(instance: Path) -> list[str]:
    keys: list[str] = json.loads((instance / KEYS_FILE).read_text())["DATA_KEYS"]
    return keys


def test_rotation_with_the_key_file(make_app: MakeApp, instance_dir: Path) -> None:
    app = make_app(DATA_KEYS=None)
    [old] = file_keys(instance_dir)
    assert app.config["DATA_KEYS"] == [old]
    populate(app)
    before = clear_values(app)
    assert sorted(before) == COLUMNS and all(before.values())

    result = app.test_cli_runner().invoke(args=["rotate-keys"])

    assert result.exit_code == 0, result.output
    [new] = file_keys(instance_dir)
    assert new != old and app.config["DATA_KEYS"] == [new]
    assert keyring.fingerprint(old) in result.output and old not in result.output
    assert clear_values(app) == before
    assert clear_values(make_app(DATA_KEYS=[new])) == before
    assert_opens_nothing(make_app(DATA_KEYS=[old]), tokens(app))
    [event] = rotation_events(app)
    assert event.details["retired"] == [keyring.fingerprint(old)]
    assert event.details["rewritten"] == sum(len(v) for v in before.values())


def test_a_rotation_cut_short_loses_nothing_and_can_be_run_again(
    make_app: MakeApp, instance_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(DATA_KEYS=None)
    [old] = file_keys(instance_dir)
    populate(app)
    before = clear_values(app)
    sweep = keyring._sweep_table

    def power_cut(
        model: type[Base], columns: tuple[str, ...], keys: list[str]
    ) -> keyring.SweepResult:
        if model.__tablename__ == "call_attempt":
            raise KeyboardInterrupt("power cut")
        return sweep(model, columns, keys)

    monkeypatch.setattr(keyring, "_sweep_table", power_cut)
    with pytest.raises(KeyboardInterrupt):
        with app.app_context():
            keyring.rotate_file_keys(app)
    monkeypatch.setattr(keyring, "_sweep_table", sweep)

    # Requests are under the new key, notes still under the old one: both keys are on disk.
    first, second = file_keys(instance_dir)
    assert second == old
    restarted = make_app(DATA_KEYS=None)
    assert clear_values(restarted) == before
    result = restarted.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    [final] = file_keys(instance_dir)
    assert final not in (first, old)
    assert clear_values(make_app(DATA_KEYS=[final])) == before
    assert_opens_nothing(make_app(DATA_KEYS=[old, first]), tokens(restarted))


def test_rotation_with_keys_in_the_environment(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = Fernet.generate_key().decode()
    monkeypatch.setenv(keyring.ENV_VARIABLE, old)
    app = make_app()
    assert app.config["DATA_KEYS"] == [old]
    populate(app)
    before = clear_values(app)
    stored = tokens(app)

    generated = app.test_cli_runner().invoke(args=["rotate-keys", "--generate"])

    assert generated.exit_code == 0, generated.output
    new = generated.stdout.strip()
    Fernet(new)  # a valid key
    assert new != old and tokens(app) == stored  # printing a key changes nothing

    monkeypatch.setenv(keyring.ENV_VARIABLE, f"{new}, {old}")
    restarted = make_app()
    assert clear_values(restarted) == before
    result = restarted.test_cli_runner().invoke(args=["rotate-keys"])

    assert result.exit_code == 0, result.output
    assert f"key 2 in the list (fingerprint {keyring.fingerprint(old)})" in result.output
    assert old not in result.output and new not in result.output
    monkeypatch.setenv(keyring.ENV_VARIABLE, new)
    assert clear_values(make_app()) == before
    monkeypatch.setenv(keyring.ENV_VARIABLE, old)
    assert_opens_nothing(make_app(), tokens(app))
    [event] = rotation_events(app)
    assert event.details["source"] == "environment"


def test_a_field_no_key_opens_keeps_every_old_key(make_app: MakeApp, instance_dir: Path) -> None:
    app = make_app(DATA_KEYS=None)
    [old] = file_keys(instance_dir)
    populate(app)
    stranger = make_app(DATA_KEYS=[Fernet.generate_key().decode()])
    store_request(
        stranger,
        None,
        phone_e164="+33699999999",
        safe_windows=["10:00-12:00"],
        name=None,
        message=None,
    )

    result = app.test_cli_runner().invoke(args=["rotate-keys"])

    assert result.exit_code != 0
    assert "callback_request.phone_enc: 1" in result.output
    new, kept = file_keys(instance_dir)
    assert kept == old
    unreadable = []
    with make_app(DATA_KEYS=[new]).app_context():
        for column, column_tokens in tokens(app).items():
            for token in column_tokens:
                try:
                    crypto.decrypt(token)
                except InvalidToken:
                    unreadable.append(column)
    assert unreadable == ["callback_request.phone_enc"]
