"""Operations visible: /metrics in the Prometheus text format, to the allowed addresses only, with
the queue's state read from the database, the last purge and backup, and the failures every
server process counted; nothing a person sent."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.production import FormVisitor, Gunicorn, get
from helpers.read_only import refuse_writes
from helpers.settings import app_config, keys_env
from helpers.web import VALID_FORM, csrf_token
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.test import TestResponse

from portal import create_app
from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.core.schema import upgrade_database

PHONES = ("06 98 76 54 31", "07 81 92 63 04", "06 55 43 21 09")
NAME = "Samira"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(body: str) -> Samples:
    """Every sample of the exposition by name and labels (the parser fails on a bad format)."""
    found: Samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def scrape(client: FlaskClient, **environ: str) -> TestResponse:
    return client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1", **environ})


def send(client: FlaskClient, phone: str, station: str = "st-etienne") -> TestResponse:
    data = {**VALID_FORM, "phone": phone, "name": NAME, "station": station}
    data["csrf_token"] = csrf_token(client, "/fr/")
    return client.post("/fr/", data=data)


@pytest.fixture
def busy_app(make_app: Callable[..., Flask]) -> Flask:
    """Stations, and unknown requests beyond the first in an hour going to "to check"."""
    app = make_app(UNKNOWN_RATE="1 per hour")
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    return app


def test_the_queue_in_prometheus_format_without_a_digit_of_the_numbers_sent(
    busy_app: Flask,
) -> None:
    client = busy_app.test_client()
    assert [
        send(client, p, s).status_code
        for p, s in zip(PHONES, ["st-etienne", "roanne", "roanne"], strict=True)
    ] == [303] * 3
    answer = scrape(client)
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain; version=0.0.4")
    body = answer.get_data(as_text=True)
    found = samples(body)
    assert value(found, "portal_queue_depth", lane="queue", station="st-etienne") == 1
    assert value(found, "portal_queue_depth", lane="check", station="roanne") == 2
    assert value(found, "portal_to_check") == 2
    assert value(found, "portal_database_up") == 1
    assert value(found, "portal_first_contact_overdue") == 0
    # No SMTP server is set up here: no notice waits in the outbox.
    assert value(found, "portal_notices_pending") == 0
    assert value(found, "portal_notices_failed") == 0
    for phone in PHONES:
        digits = phone.replace(" ", "")
        # No run of five digits of a number sent, in any of the ways it can be written.
        for written in (digits, "33" + digits[1:]):
            for start in range(len(written) - 4):
                assert written[start : start + 5] not in body, (phone, written[start : start + 5])
    assert NAME not in body and "st-etienne" in body


def test_only_allowed_addresses_are_answered(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    assert scrape(client).status_code == 200
    assert scrape(client, REMOTE_ADDR="::1").status_code == 200
    assert scrape(client, REMOTE_ADDR="203.0.113.7").status_code == 404
    allowing = make_app(METRICS_ALLOW="192.0.2.0/24, 2001:db8::/32").test_client()
    assert scrape(allowing, REMOTE_ADDR="192.0.2.44").status_code == 200
    assert scrape(allowing, REMOTE_ADDR="2001:db8::5").status_code == 200
    assert scrape(allowing).status_code == 404  # loopback no longer listed


def test_behind_a_trusted_proxy_the_real_client_is_checked(make_app: Callable[..., Flask]) -> None:
    """nginx on the same host connects from loopback: the address it forwards is the one that
    counts, so that the whole internet does not look like loopback."""
    client = make_app(TRUSTED_PROXIES=1).test_client()
    far = {"X-Forwarded-For": "203.0.113.7"}
    assert client.get("/metrics", headers=far).status_code == 404
    near = {"X-Forwarded-For": "127.0.0.1"}
    assert client.get("/metrics", headers=near).status_code == 200


def test_oldest_waiting_and_overdue_first_contacts(busy_app: Flask, time_machine: Any) -> None:
    monday = dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.UTC)
    time_machine.move_to(monday, tick=False)
    client = busy_app.test_client()
    assert send(client, PHONES[0]).status_code == 303
    time_machine.move_to(monday + dt.timedelta(days=2), tick=False)
    found = samples(scrape(client).get_data(as_text=True))
    assert value(found, "portal_oldest_waiting_seconds", lane="queue") == 2 * 86400
    assert value(found, "portal_oldest_waiting_seconds", lane="check") == 0
    assert value(found, "portal_first_contact_overdue") == 1


def test_the_last_purge_and_the_last_backup(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    stamp = tmp_path / "last-backup"
    app = make_app(BACKUP_STAMP=str(stamp))
    client = app.test_client()
    found = samples(scrape(client).get_data(as_text=True))
    assert value(found, "portal_last_purge_timestamp_seconds") == 0
    assert value(found, "portal_last_backup_timestamp_seconds") == 0  # no stamp yet
    assert app.test_cli_runner().invoke(args=["purge"]).exit_code == 0
    stamp.write_text("2026-12-06T02:15:00Z\n")
    found = samples(scrape(client).get_data(as_text=True))
    now = dt.datetime.now(dt.UTC).timestamp()
    assert now - 120 < value(found, "portal_last_purge_timestamp_seconds") <= now + 1
    backup = dt.datetime(2026, 12, 6, 2, 15, tzinfo=dt.UTC).timestamp()
    assert value(found, "portal_last_backup_timestamp_seconds") == backup
    stamp.write_text("")  # a job that only touches the file: its time counts
    os.utime(stamp, (backup + 60, backup + 60))
    found = samples(scrape(client).get_data(as_text=True))
    assert value(found, "portal_last_backup_timestamp_seconds") == backup + 60


def _failed(found: Samples, form: str = "request", status: str = "503") -> float:
    return found.get(("portal_failed_submissions_total", (("form", form), ("status", status))), 0)


def test_a_submission_not_saved_is_logged_and_counted_without_personal_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(app_config(f"sqlite:///{tmp_path / 'full.sqlite3'}", MIN_FILL_SECONDS=0))
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        db.session().commit()
    client = app.test_client()
    before = _failed(samples(scrape(client).get_data(as_text=True)))
    refuse_writes(app)  # the embedded database on a full disk
    with caplog.at_level(logging.INFO):
        answer = send(client, PHONES[0])
    assert answer.status_code == 503 and 'href="tel:112"' in answer.get_data(as_text=True)
    assert _failed(samples(scrape(client).get_data(as_text=True))) == before + 1
    logged = [r.getMessage() for r in caplog.records]
    assert "public submission not saved: form=request status=503" in logged
    digits = PHONES[0].replace(" ", "")
    assert not any(digits[1:] in line or NAME in line for line in logged)


def test_every_worker_answers_with_the_counts_of_all(tmp_path: Path) -> None:
    """Two gunicorn workers: failures counted by each, any scrape sums them all."""
    path = tmp_path / "portal.sqlite3"
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        db.session().commit()
        db.engine().dispose()
    with sqlite3.connect(path) as conn:  # every submission fails to be stored, plainly
        conn.execute("ALTER TABLE callback_request RENAME TO callback_request_gone")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "PROMETHEUS_"))}
    env.update(
        keys_env(),
        PORTAL_DATABASE_URL=f"sqlite:///{path}",
        PORTAL_MIN_FILL_SECONDS="0",
        PORTAL_SUBMIT_LIMITS="1000 per minute",
        PORTAL_ALLOW_PER_PROCESS_LIMITS="true",
    )
    sent = 8
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
        visitors = [FormVisitor(server.port) for _ in range(sent)]
        for visitor in visitors:
            visitor.load()
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda v: v.send(PHONES[1]), visitors))
        assert [a.status for a in answers] == [503] * sent
        scrapes = [samples(get(server.port, "/metrics").body) for _ in range(6)]
        log = server.log()
    assert {_failed(found) for found in scrapes} == {sent}
    posting = {line.rsplit("<", 1)[-1] for line in log.splitlines() if '"POST /fr/"' in line}
    assert len(posting) == 2, "both workers should have failed some submissions"
    scraping = {line.rsplit("<", 1)[-1] for line in log.splitlines() if '"GET /metrics"' in line}
    assert len(scraping) >= 1
    assert re.search(r"public submission not saved: form=request status=503", log)
