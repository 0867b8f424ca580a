"""The point-in-time restore drill of docs/deploy.md, section 9, with the guide's own scripts: a
throw-away cluster archiving its WAL (encrypted to a backup key, copied to a store standing for
the backup host), a base backup, requests confirmed before and after a chosen moment, the cluster
lost, then a restore to that moment: every request confirmed before it is back, none after it."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from helpers.guide import Server, blocks, sandbox_folder, without_test_settings
from helpers.pg_cluster import Cluster, as_owner, give_to_owner
from helpers.settings import KEYS, PRODUCTION_SETTINGS, needs_postgres
from helpers.wheel import ROOT
from sqlalchemy import select

from portal import create_app
from portal.cli.demo_data import create_demo_stations
from portal.core import crypto, db
from portal.core.schema import upgrade_database
from portal.intake.callbacks import RequestDetails, submit_request
from portal.models import CallbackRequest, Station

BACKUP_FILES = ("backup.env", "portal-wal-archive", "portal-base-backup", "portal-wal-restore")
BEFORE, AFTER = 40, 15
BUDGET_SECONDS = 90

pytestmark = [needs_postgres()]


@pytest.fixture
def sandbox() -> Iterator[Path]:
    yield from sandbox_folder()


def install_backup_scripts(sandbox: Path) -> Server:
    """The guide's backup files where the guide puts them; the store is a local folder."""
    machine = Server(
        sandbox,
        [("portal-backup@backup.internal:/srv/backups/portal", "/srv/backups/portal")],
        without_test_settings(),
    )
    files = {
        b.name: b for b in blocks((ROOT / "docs" / "deploy.md").read_text()) if b.kind == "file"
    }
    for name in (*BACKUP_FILES, "portal-backup.conf"):
        machine.write_file(files[name])
    etc = sandbox / "etc" / "portal-backup"
    bin_dir = sandbox / "usr" / "local" / "bin"
    spool = sandbox / "var" / "lib" / "portal-backup"
    store = sandbox / "srv" / "backups" / "portal"
    for folder in (etc, bin_dir, spool / "wal", spool / "base", store):
        folder.mkdir(parents=True, exist_ok=True)
    for folder in (spool, spool / "wal", spool / "base", store):
        give_to_owner(folder)
    shutil.copy2(machine.workdir / "backup.env", etc / "backup.env")
    for script in BACKUP_FILES[1:]:
        shutil.copy2(machine.workdir / script, bin_dir / script)
        (bin_dir / script).chmod(0o755)
    identity = machine.workdir / "portal-backup-identity.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipients = subprocess.run(
        ["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True
    ).stdout
    (etc / "recipients.txt").write_text(recipients)
    return machine


def app_on(cluster: Cluster) -> Flask:
    settings = {"DATABASE_URL": cluster.url("portal"), **PRODUCTION_SETTINGS, **KEYS}
    return create_app({**settings, "KEY_PICKUP_SECONDS": 0})


def confirm_requests(app: Flask, count: int, first: int) -> list[str]:
    """Requests sent as the public form sends them: each confirmed once committed."""
    references = []
    with app.app_context():
        station = db.session().scalars(select(Station).where(Station.code == "st-etienne")).one()
        for n in range(first, first + count):
            details = RequestDetails(
                phone_e164=f"+3361{n:07d}",
                call_language="fr",
                page_language="fr",
                safe_windows=["10:00-12:00"],
                name=f"Prénom {n}",
                station_id=station.id,
            )
            references.append(str(submit_request(details).request_id))
        db.engine().dispose()
    return references


def restored_references(cluster: Cluster) -> list[str]:
    rows = cluster.sql("SELECT id FROM callback_request ORDER BY id", "portal")
    return rows.split()


def test_a_restore_to_a_moment_brings_back_every_request_confirmed_before_it(
    sandbox: Path,
) -> None:
    for tool in ("age", "age-keygen", "rsync"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is needed (apt-get install age rsync)")
    started = time.monotonic()
    machine = install_backup_scripts(sandbox)
    conf_d = sandbox / "etc" / "postgresql" / "15" / "main" / "conf.d"
    conf_d.mkdir(parents=True)
    shutil.copy2(machine.workdir / "portal-backup.conf", conf_d / "portal-backup.conf")
    live = Cluster(sandbox / "var" / "lib" / "postgresql" / "15" / "main")
    live.init(f"include_dir = '{conf_d}'")
    live.start()
    live.sql("CREATE DATABASE portal")
    app = app_on(live)
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        db.session().commit()
        db.engine().dispose()

    env = {"PGHOST": "127.0.0.1", "PGPORT": str(live.port), "PGUSER": "postgres"}
    backup = subprocess.run(  # noqa: S603
        ["env", *(f"{k}={v}" for k, v in env.items())]
        + as_owner([str(sandbox / "usr" / "local" / "bin" / "portal-base-backup")]),
        capture_output=True,
        text=True,
        check=False,
    )
    assert backup.returncode == 0, backup.stderr
    stamp = (sandbox / "var" / "lib" / "portal-backup" / "last-good-backup").read_text()
    assert stamp.startswith(time.strftime("%Y-", time.gmtime()))

    before = confirm_requests(app, BEFORE, 0)
    target = live.sql("SELECT clock_timestamp()")
    time.sleep(0.3)
    after = confirm_requests(app, AFTER, BEFORE)
    # archive_timeout closes a segment within the minute; the drill closes it now.
    segment = live.sql("SELECT pg_walfile_name(pg_switch_wal())")
    switched = time.monotonic()
    while live.sql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") < segment:
        assert time.monotonic() - switched < 30, live.sql("SELECT * FROM pg_stat_archiver")
        time.sleep(0.05)
    archived_in = time.monotonic() - switched
    live.stop("immediate")
    shutil.rmtree(live.data)  # the database host is lost

    restore_started = time.monotonic()
    store = sandbox / "srv" / "backups" / "portal"
    [base] = sorted((store / "base").glob("base-*.tar.age"))
    restored = Cluster(sandbox / "var" / "lib" / "postgresql" / "15" / "restored")
    restored.data.mkdir(mode=0o700)
    give_to_owner(restored.data)
    # The backup key's private half comes from the safe only now.
    identity = sandbox / "etc" / "portal-backup" / "identity.txt"
    shutil.copy2(machine.workdir / "portal-backup-identity.txt", identity)
    identity.chmod(0o600)
    give_to_owner(identity)
    decrypted = subprocess.Popen(  # noqa: S603
        ["age", "--decrypt", "--identity", str(identity), str(base)], stdout=subprocess.PIPE
    )
    subprocess.run(  # noqa: S603
        as_owner(["tar", "--extract", "--directory", str(restored.data)]),
        stdin=decrypted.stdout,
        check=True,
    )
    assert decrypted.wait() == 0
    (conf_d / "portal-restore.conf").write_text(
        "restore_command = '"
        f"{sandbox}/usr/local/bin/portal-wal-restore %f %p'\n"
        f"recovery_target_time = '{target}'\nrecovery_target_action = 'promote'\n"
    )
    restored.configure(f"port = {restored.port}")
    (restored.data / "recovery.signal").touch()
    give_to_owner(restored.data / "recovery.signal")
    restored.start()
    try:
        restored.wait_until_promoted()
        restore_seconds = time.monotonic() - restore_started
        assert restored_references(restored) == before  # all before the moment, none after
        assert not set(after) & set(restored_references(restored))
        # Opened with the keys from their own place, the restored requests read back.
        with app_on(restored).app_context():
            phones = db.session().scalars(select(CallbackRequest.phone_enc)).all()
            assert {crypto.decrypt(p) for p in phones} == {f"+3361{n:07d}" for n in range(BEFORE)}
            db.engine().dispose()
    finally:
        restored.stop("immediate")
    # What the backup host holds is ciphertext, to a key that was never on the database host.
    for file in store.rglob("*.age"):
        assert file.read_bytes().startswith(b"age-encryption.org/v1")
    total = time.monotonic() - started
    print(
        f"\nrestore drill: segment archived off the host in {archived_in:.2f} s; "
        f"restore of {BEFORE} requests to a moment in {restore_seconds:.1f} s; drill {total:.1f} s"
    )
    assert total < BUDGET_SECONDS
