"""Where the tests run: the databases and Redis they were given, and each test app's settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from portal.core.config import new_keys

# Under pytest-xdist ("gw0", "gw1", …): each worker then has a database and a Redis db of its own.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database(url: str | None) -> str | None:
    """The worker's own PostgreSQL database beside the one given, made on first use, so that
    tests running in parallel never meet in one database."""
    if not url or not WORKER or not url.startswith("postgresql"):
        return url
    base, _, name = url.rpartition("/")
    own = f"{name}_{WORKER}"
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}
            ).scalar()
            if not found:
                connection.execute(text(f'CREATE DATABASE "{own}"'))
    finally:
        engine.dispose()
    return f"{base}/{own}"


def _worker_redis(url: str | None) -> str | None:
    """The worker's own Redis database: the one given, counted down by the worker's number."""
    if not url or not WORKER:
        return url
    base, _, index = url.rpartition("/")
    return f"{base}/{(int(index or 0) - int(WORKER.removeprefix('gw'))) % 16}"


TEST_DATABASE_URL = _worker_database(os.environ.get("PORTAL_TEST_DATABASE_URL"))


TEST_REDIS_URL = _worker_redis(os.environ.get("PORTAL_TEST_REDIS_URL"))


IN_CI = os.environ.get("CI") == "true"


def needs_postgres() -> pytest.MarkDecorator:
    """Skip without PostgreSQL, except in CI where these tests are required."""
    on_pg = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"))
    return pytest.mark.skipif(
        not on_pg and not IN_CI,
        reason="set PORTAL_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/portal_test",
    )


def needs_redis() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not TEST_REDIS_URL and not IN_CI,
        reason="set PORTAL_TEST_REDIS_URL=redis://127.0.0.1:6379/15",
    )


KEYS = new_keys()

# A production set-up (a server database, or HTTPS) refuses to start on the embedded defaults of
# these settings: every test app names its own, so that it starts on PostgreSQL too.
PRODUCTION_SETTINGS: dict[str, str] = {
    "COORDINATOR_PHONE": "+33465710090",
    "CONTROLLER": "Département de la Loire (test), 42022 Saint-Étienne Cedex",
    "CONTROLLER_CONTACT": "dpo-test@loire.example",
    "PUBLIC_BASE_URL": "https://portal.example",
}


def production_env() -> dict[str, str]:
    """The same settings as a server process's environment."""
    return {f"PORTAL_{name}": value for name, value in PRODUCTION_SETTINGS.items()}


def keys_env(keys: Mapping[str, Any] = KEYS) -> dict[str, str]:
    """Keys as a server process's environment has them (the tests' own, unless given)."""
    return {
        "PORTAL_SECRET_KEY": keys["SECRET_KEY"],
        "PORTAL_CARD_KEY": keys["CARD_KEY"],
        "PORTAL_BLIND_INDEX_KEY": keys["BLIND_INDEX_KEY"],
        "PORTAL_DATA_KEYS": ",".join(keys["DATA_KEYS"]),
    }


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """The configuration every test app starts from."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "MIN_FILL_SECONDS": 0,
        # In-process tests have no other process to wait for (a real-process test waits).
        "KEY_PICKUP_SECONDS": 0,
        "RATELIMIT_STORAGE_URI": TEST_REDIS_URL or "memory://",
        **PRODUCTION_SETTINGS,
        **KEYS,
        **overrides,
    }
