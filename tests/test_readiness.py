"""Health that tells the truth: /livez while the process serves, /healthz only when a request
could be taken and kept (the database answers and takes a write, the schema is the latest, the
keys open the canary), each check bounded in time, nothing personal in either answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from helpers.production import Gunicorn, get, scratch_postgres
from helpers.read_only import refuse_writes
from helpers.settings import (
    KEYS,
    PRODUCTION_SETTINGS,
    TEST_DATABASE_URL,
    app_config,
    keys_env,
    needs_postgres,
    production_env,
)
from sqlalchemy import text

from portal import create_app
from portal.core import db, health
from portal.core.config import new_keys
from portal.core.schema import upgrade_database

NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:9/nothing"  # the discard port: nothing answers


def readiness_of(app: Flask) -> tuple[int, dict[str, Any]]:
    answer = app.test_client().get("/healthz")
    return answer.status_code, answer.get_json()


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema), PostgreSQL when configured, else a SQLite file."""
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"):
        with scratch_postgres(TEST_DATABASE_URL, prefix="portal_ready_") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'ready.sqlite3'}"


@pytest.fixture
def fresh_app(own_database: str) -> Iterator[Flask]:
    app = create_app(app_config(own_database))
    yield app
    with app.app_context():
        db.engine().dispose()


def test_a_migrated_service_is_ready_and_says_nothing_else(app: Flask) -> None:
    status, body = readiness_of(app)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "schema": "ok", "write": "ok", "keys": "ok"},
    }


def test_before_the_schema_exists_it_is_not_ready(fresh_app: Flask) -> None:
    assert fresh_app.test_client().get("/livez").status_code == 200
    status, body = readiness_of(fresh_app)
    assert status == 503
    assert body["status"] == "unavailable" and body["checks"]["schema"] == "missing"
    with fresh_app.app_context():
        upgrade_database()
    assert readiness_of(fresh_app)[0] == 200


def test_a_schema_behind_the_code_is_not_ready(fresh_app: Flask) -> None:
    with fresh_app.app_context():
        upgrade_database()
        with db.engine().begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0005_abuse'"))
    status, body = readiness_of(fresh_app)
    assert status == 503 and body["checks"]["schema"] == "behind"


def test_keys_that_do_not_open_the_canary_are_not_ready(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    assert readiness_of(app)[0] == 200  # the canary is written under the right keys
    other_keys = {**KEYS, "DATA_KEYS": new_keys()["DATA_KEYS"]}
    stranger = make_app(**other_keys)
    status, body = readiness_of(stranger)
    assert status == 503 and body["checks"]["keys"] == "failed"
    # Both keys in the ring (a rotation under way): the canary opens again.
    ring = make_app(DATA_KEYS=other_keys["DATA_KEYS"] + KEYS["DATA_KEYS"])
    assert readiness_of(ring)[0] == 200


def test_a_database_that_takes_no_write_is_not_ready(tmp_path: Path) -> None:
    app = create_app(app_config(f"sqlite:///{tmp_path / 'full.sqlite3'}"))
    with app.app_context():
        upgrade_database()
    assert readiness_of(app)[0] == 200
    refuse_writes(app)  # what a full disk does to the embedded database: reads work, writes fail
    status, body = readiness_of(app)
    assert status == 503
    assert body["checks"] == {"database": "ok", "schema": "ok", "write": "failed"}


def test_an_unreachable_database_is_not_ready_but_the_process_is_alive() -> None:
    app = create_app(app_config(NOWHERE))
    assert app.test_client().get("/livez").status_code == 200
    started = time.monotonic()
    status, body = readiness_of(app)
    assert status == 503 and body["checks"]["database"] in ("failed", "timeout")
    assert time.monotonic() - started < 10


def test_a_check_that_hangs_answers_503_within_its_bound(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    release = time.monotonic() + 3

    def stuck() -> health.Readiness:
        while time.monotonic() < release:
            time.sleep(0.05)
        return health.Readiness({"database": "ok"})

    monkeypatch.setattr(health, "run_checks", stuck)
    app = make_app(READINESS_SECONDS=0.5)
    started = time.monotonic()
    status, body = readiness_of(app)
    assert status == 503 and body["checks"] == {"database": "timeout"}
    assert time.monotonic() - started < 2
    time.sleep(max(0.0, release - time.monotonic()) + 0.2)  # let the stuck check end


@needs_postgres()
def test_gunicorn_on_an_empty_postgresql_is_alive_but_not_ready(tmp_path: Path) -> None:
    assert TEST_DATABASE_URL
    keys = new_keys()
    with scratch_postgres(TEST_DATABASE_URL, prefix="portal_ready_") as url:
        env = {
            "PORTAL_DATABASE_URL": url,
            **keys_env(keys),
            **production_env(),
        }
        # The server waits for its worker through /healthz, which answers (503) all the same.
        with Gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:
            assert get(server.port, "/livez").status == 200
            before = get(server.port, "/healthz")
            assert before.status == 503 and '"schema":"missing"' in before.body.replace(" ", "")
            app = create_app({"DATABASE_URL": url, **PRODUCTION_SETTINGS, **keys})
            with app.app_context():
                upgrade_database()
                db.engine().dispose()
            assert get(server.port, "/healthz").status == 200
