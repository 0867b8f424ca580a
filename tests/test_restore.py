"""The restore drill of docs/deploy.md, for real: a PostgreSQL dump taken with pg_dump while the
keys sit apart in their own file, restored into a fresh database, opened with the keys from that
file alone: every request and every audit event reads back, and the audit chain still verifies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import InvalidToken
from flask import Flask
from helpers.factories import stored_row
from helpers.production import scratch_postgres
from helpers.settings import TEST_DATABASE_URL, needs_postgres
from sqlalchemy import select
from sqlalchemy.engine import make_url

from portal import create_app
from portal.casework import transitions
from portal.cli.demo_data import create_demo_stations
from portal.core import crypto, db
from portal.core.config import new_keys
from portal.core.schema import upgrade_database
from portal.intake.callbacks import RequestDetails, submit_request
from portal.models import AuditEvent, CallbackRequest, StaffUser
from portal.staff import accounts, audit

PEOPLE = [
    {"phone": f"+3361234560{n}", "name": f"Prénom {n}", "message": f"Après {n + 14} h"}
    for n in range(4)
]


@pytest.fixture
def two_databases() -> Iterator[tuple[str, str]]:
    """The production database and the fresh, empty one the dump is restored into."""
    assert TEST_DATABASE_URL, "PORTAL_TEST_DATABASE_URL must name a PostgreSQL database"
    with (
        scratch_postgres(TEST_DATABASE_URL, "portal_live_") as live,
        scratch_postgres(TEST_DATABASE_URL, "portal_restored_") as restored,
    ):
        yield live, restored


def write_keys_file(path: Path) -> None:
    """keys.env as docs/deploy.md generates it: owner-only, apart from the database."""
    keys = new_keys()
    lines = [
        f"PORTAL_SECRET_KEY={keys['SECRET_KEY']}",
        f"PORTAL_CARD_KEY={keys['CARD_KEY']}",
        f"PORTAL_BLIND_INDEX_KEY={keys['BLIND_INDEX_KEY']}",
        f"PORTAL_DATA_KEYS={','.join(keys['DATA_KEYS'])}",
    ]
    path.parent.mkdir(mode=0o700)
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def read_keys_file(path: Path) -> dict[str, str]:
    """The environment systemd's EnvironmentFile would give the app."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def app_on(database_url: str, keys_env: dict[str, str]) -> Flask:
    config = {name.removeprefix("PORTAL_"): value for name, value in keys_env.items()}
    return create_app({"DATABASE_URL": database_url, **config})


def live_service(app: Flask) -> None:
    """A few weeks of work: requests, call attempts with notes, readings, all audited."""
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        worker = accounts.create_user("intervenante", "intervenant", ["st-etienne"])
        db.session().commit()
        for person in PEOPLE:
            details = RequestDetails(
                phone_e164=person["phone"],
                call_language="fr",
                page_language="fr",
                safe_windows=["10:00-12:00"],
                name=person["name"],
                message=person["message"],
                station_id=worker.stations[0].id,
            )
            request = stored_row(CallbackRequest, submit_request(details).request_id)
            transitions.open_case_file(request, worker)
            note = f"Note {person['name']}"
            transitions.log_attempt(request, worker, "no_answer", note, request.version)
            transitions.commit_action()
        db.engine().dispose()


def postgres_args(database_url: str) -> list[str]:
    url = make_url(database_url)
    return ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or ""]


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603
        args, capture_output=True, text=True, timeout=120, env={**os.environ, **env}, check=False
    )
    assert done.returncode == 0, f"{args[0]} failed: {done.stderr[-1500:]}"
    return done


@needs_postgres()
def test_a_dump_restored_with_the_keys_from_their_own_place_reads_back_whole(
    two_databases: tuple[str, str], tmp_path: Path
) -> None:
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.fail("pg_dump and pg_restore are needed (apt-get install postgresql-client)")
    live_url, restored_url = two_databases
    keys_file = tmp_path / "etc-portal" / "keys.env"
    write_keys_file(keys_file)
    live = app_on(live_url, read_keys_file(keys_file))
    live_service(live)
    with live.app_context():
        events_before = [(e.id, e.hash) for e in db.session().scalars(select(AuditEvent))]
        db.engine().dispose()

    # The nightly dump, as docs/deploy.md writes it; the backup storage never sees the keys.
    backups = tmp_path / "backups"
    backups.mkdir()
    dump = backups / "portal-drill.dump"
    database = make_url(live_url).database or ""
    pg = postgres_args(live_url)
    run(["pg_dump", *pg, "--format=custom", "--no-owner", f"--file={dump}", database])
    assert [p.name for p in backups.iterdir()] == ["portal-drill.dump"]
    # What the dump holds, as SQL: ciphertext only, no phone, name or message, no key.
    as_sql = run(["pg_restore", "--no-owner", "--file=-", str(dump)]).stdout
    assert "callback_request" in as_sql
    for person in PEOPLE:
        for value in (person["phone"], person["phone"][3:], person["name"], person["message"]):
            assert value not in as_sql, value
    for key in read_keys_file(keys_file).values():
        for part in key.split(","):
            assert part not in as_sql

    # The restore: into a fresh database, then opened with the keys read from their file.
    target = make_url(restored_url).database or ""
    run(["pg_restore", *pg, "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)])
    restored = app_on(restored_url, read_keys_file(keys_file))
    with restored.app_context():
        upgrade_database()  # the release that made the dump, or a later one: init-db keeps data
        worker = db.session().scalars(select(StaffUser)).one()
        requests = list(db.session().scalars(select(CallbackRequest).order_by(CallbackRequest.id)))
        files = [transitions.open_case_file(request, worker) for request in requests]
        transitions.commit_action()
        assert [(f.phone, f.name, f.message) for f in files] == [
            (p["phone"], p["name"], p["message"]) for p in PEOPLE
        ]
        assert [list(f.attempt_notes.values()) for f in files] == [
            [f"Note {p['name']}"] for p in PEOPLE
        ]
        events = list(db.session().scalars(select(AuditEvent).order_by(AuditEvent.id)))
        assert [(e.id, e.hash) for e in events[: len(events_before)]] == events_before
        # The readings made after the restore are audited too, on the same chain.
        assert [e.action for e in events[len(events_before) :]] == ["request.view"] * len(PEOPLE)
        assert audit.verify_chain() is None
        db.engine().dispose()
    # The operator's own check, as a command with the keys from their file.
    verified = run(
        [sys.executable, "-m", "flask", "--app", "portal", "audit-verify"],
        PORTAL_DATABASE_URL=restored_url,
        **read_keys_file(keys_file),
    )
    assert "Audit log intact." in verified.stdout

    # Without the keys, the same dump is ciphertext: a thief of the backups reads nothing.
    stranger = create_app({"DATABASE_URL": restored_url, **new_keys()})
    with stranger.app_context():
        token = db.session().scalars(select(CallbackRequest.phone_enc)).first()
        with pytest.raises(InvalidToken):
            crypto.decrypt(token)
        db.engine().dispose()
