"""Purge is erasure: after `purge` and VACUUM, the encrypted fields of purged requests may still
lie in PostgreSQL's table file (dead tuples), but no key the service still holds opens them.

The table's own file is read from the server's data directory, every Fernet token in it tried
with every key left in instance/keys.json. The test keeps the old keys aside to show that the
purged numbers are really still on disk, and would have been readable without the purge's key
destruction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask
from helpers.factories import store_request
from helpers.production import scratch_postgres
from helpers.settings import TEST_DATABASE_URL, app_config, needs_postgres
from helpers.staff import Clock
from sqlalchemy import create_engine, text, update

from portal import create_app
from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.core.schema import upgrade_database
from portal.models import CallbackRequest, utcnow

FERNET_TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_\-]{40,}={0,2}")
PURGED = [f"+3361234{n:04d}" for n in range(20)]
KEPT = "+33698765432"


@pytest.fixture
def file_keyed_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app on a scratch PostgreSQL database, its data keys in instance/keys.json."""
    assert TEST_DATABASE_URL
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("PORTAL_DATA_KEYS", raising=False)
    with scratch_postgres(TEST_DATABASE_URL, prefix="portal_erase_") as url:
        app = create_app(app_config(url, DATA_KEYS=[]))
        with app.app_context():
            upgrade_database()
            create_demo_stations()
            db.session().commit()
        yield app
        with app.app_context():
            db.engine().dispose()


def held_keys(app: Flask) -> list[str]:
    stored = json.loads((Path(app.instance_path) / "keys.json").read_text())
    return list(stored["DATA_KEYS"])


def table_file_tokens(app: Flask) -> list[bytes]:
    """Every Fernet token in the request table's file, after VACUUM and a checkpoint."""
    engine = create_engine(app.config["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM callback_request"))
        conn.execute(text("CHECKPOINT"))
        data = conn.execute(text("SHOW data_directory")).scalar_one()
        relation = conn.execute(text("SELECT pg_relation_filepath('callback_request')")).scalar()
    engine.dispose()
    files = sorted(Path(data).glob(f"{relation}*"))
    assert files, "the table's file was not found"
    return [m.group(0) for path in files for m in FERNET_TOKEN.finditer(path.read_bytes())]


def opened(tokens: list[bytes], keys: list[str]) -> set[str]:
    ring = MultiFernet([Fernet(k) for k in keys])
    found = set()
    for token in tokens:
        try:
            found.add(ring.decrypt(token).decode())
        except InvalidToken:
            continue
    return found


@needs_postgres()
def test_no_purged_number_opens_from_the_table_file(file_keyed_app: Flask, clock: Clock) -> None:
    app = file_keyed_app
    before = held_keys(app)
    purged_ids = [store_request(app, phone_e164=p).request_id for p in PURGED]
    store_request(app, phone_e164=KEPT)
    with app.app_context():
        db.session().execute(
            update(CallbackRequest)
            .where(CallbackRequest.id.in_(purged_ids))
            .values(status="closed", closed_at=utcnow(), outcome="oriented")
        )
        db.session().commit()
    clock.advance(days=app.config["RETENTION_DAYS"] + 1)

    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output

    tokens = table_file_tokens(app)
    now_held = held_keys(app)
    assert not set(now_held) & set(before), "an old key was kept"
    # The purged numbers are still on disk, under the destroyed keys...
    assert set(PURGED) & opened(tokens, before)
    # ...and no key the service holds opens any of them; what is kept still opens.
    readable = opened(tokens, now_held)
    assert not set(PURGED) & readable
    assert KEPT in readable
