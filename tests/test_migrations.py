"""Migrations build exactly the schema the models describe, and never lose data on the way.

Runs on SQLite, or on PostgreSQL when PORTAL_TEST_DATABASE_URL is set (in a database of its own,
created and dropped here, never the shared test database).
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from helpers.commands import run_flask
from helpers.factories import store_request, stored_row
from helpers.settings import TEST_DATABASE_URL, app_config, keys_env, production_env
from sqlalchemy import select, text

from portal import create_app
from portal.casework.windows import window_mask
from portal.cli.demo_data import create_demo_stations
from portal.core import crypto, db
from portal.core.db import Base
from portal.core.schema import alembic_config, upgrade_database
from portal.models import CallbackRequest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[str]:
    """An empty database for this test alone."""
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"):
        from helpers.production import scratch_postgres

        with scratch_postgres(TEST_DATABASE_URL, prefix="portal_migr_") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / f'migr_{secrets.token_hex(4)}.sqlite3'}"


@pytest.fixture
def migr_app(own_database: str) -> Iterator[Flask]:
    app = create_app(app_config(own_database))
    yield app
    with app.app_context():
        db.engine().dispose()


def schema_differences(app: Flask) -> list[Any]:
    """What autogenerate would write for the models against the migrated database."""
    with app.app_context(), db.engine().connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences: list[Any] = compare_metadata(context, Base.metadata)
        return differences


def head_revision() -> str:
    with create_app(app_config("sqlite://")).app_context():
        return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(app: Flask) -> str | None:
    with app.app_context(), db.engine().connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_empty_database_upgraded_to_head_matches_the_models(migr_app: Flask) -> None:
    with migr_app.app_context():
        upgrade_database()
    assert current_revision(migr_app) == head_revision()
    assert schema_differences(migr_app) == []


def _store_request(app: Flask, phone: str) -> str:
    """A station and a request stored the way the form stores them; returns its reference."""
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    submitted = store_request(
        app, "roanne", phone_e164=phone, safe_windows=["10:00-12:00"], name=None, message=None
    )
    with app.app_context():
        stored = stored_row(CallbackRequest, submitted.request_id)
        assert stored is not None
        return stored.reference


def _read_back(app: Flask, reference: str) -> tuple[str | None, str]:
    with app.app_context():
        stored = (
            db.session()
            .scalars(select(CallbackRequest).where(CallbackRequest.reference == reference))
            .one()
        )
        assert stored.station is not None
        result = crypto.decrypt(stored.phone_enc), stored.station.code
        db.session().close()
        return result


def test_upgrading_again_keeps_existing_data(migr_app: Flask) -> None:
    with migr_app.app_context():
        upgrade_database()
    reference = _store_request(migr_app, "+33612345678")
    with migr_app.app_context():
        upgrade_database()
    assert _read_back(migr_app, reference) == ("+33612345678", "roanne")


def test_last_migration_down_and_up_keeps_existing_data(migr_app: Flask) -> None:
    with migr_app.app_context():
        upgrade_database()
        script = ScriptDirectory.from_config(alembic_config())
        head = script.get_current_head()
        assert head is not None
        last = script.get_revision(head)
    if last.down_revision is None:
        pytest.skip("only one migration: going down would drop every table")
    reference = _store_request(migr_app, "+33698765432")
    with migr_app.app_context():
        command.downgrade(alembic_config(), str(last.down_revision))
        assert current_revision(migr_app) == last.down_revision
        upgrade_database()
    assert _read_back(migr_app, reference) == ("+33698765432", "roanne")
    assert schema_differences(migr_app) == []


def run_init_db(database_url: str) -> subprocess.CompletedProcess[str]:
    """`flask --app portal init-db` as an operator runs it, with this test's keys."""
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        **keys_env(app_config(database_url)),
        **production_env(),
    }
    return run_flask("init-db", env=env, cwd=ROOT)


def test_init_db_twice_is_harmless(own_database: str, migr_app: Flask) -> None:
    first = run_init_db(own_database)
    assert first.returncode == 0, first.stderr
    reference = _store_request(migr_app, "+33611223344")
    second = run_init_db(own_database)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    assert _read_back(migr_app, reference) == ("+33611223344", "roanne")
    with migr_app.app_context(), db.engine().connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert versions == [head_revision()]


def _window_masks(app: Flask) -> list[int]:
    with app.app_context(), db.engine().connect() as conn:
        return list(conn.execute(text("SELECT window_mask FROM callback_request")).scalars())


def test_requests_made_before_safe_days_are_safe_every_day(migr_app: Flask) -> None:
    with migr_app.app_context():
        upgrade_database()
    _store_request(migr_app, "+33611220099")
    with migr_app.app_context():
        before = ScriptDirectory.from_config(alembic_config()).get_revision("0005_victim_safe_days")
        command.downgrade(alembic_config(), str(before.down_revision))
    assert _window_masks(migr_app) == [0b10]  # 10:00-12:00 alone, the one-day mask
    with migr_app.app_context():
        upgrade_database()
    assert _window_masks(migr_app) == [window_mask(["10:00-12:00"])]
    assert window_mask(["10:00-12:00"]) == sum(1 << (day * 7 + 1) for day in range(7))
