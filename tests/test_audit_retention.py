"""The audit log is kept twelve months by default (PORTAL_AUDIT_RETENTION_DAYS): the purge deletes
older events, and `audit-verify` still passes on what is kept, from a sealed starting point that
nobody can move without the key."""

from __future__ import annotations

from typing import Any

from flask import Flask
from helpers.staff import Clock
from sqlalchemy import select, update

from portal.core import db
from portal.models import AuditEvent, AuditHead
from portal.staff import audit


def record(app: Flask, action: str) -> None:
    with app.app_context():
        audit.record(action, target="test")
        db.session().commit()


def actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_old_events_go_and_the_kept_chain_still_verifies(
    app: Flask, runner: Any, clock: Clock
) -> None:
    record(app, "test.old")
    clock.advance(days=300)
    record(app, "test.recent")
    clock.advance(days=100)  # the first is now 400 days old, the second 100

    purge = runner.invoke(args=["purge"])
    assert purge.exit_code == 0, purge.output

    kept = actions(app)
    assert "test.old" not in kept and "test.recent" in kept
    verify = runner.invoke(args=["audit-verify"])
    assert verify.exit_code == 0, verify.output

    # Moving the starting point without the key shows.
    with app.app_context():
        db.session().execute(update(AuditHead).values(base_hash="0" * 64))
        db.session().commit()
    assert runner.invoke(args=["audit-verify"]).exit_code != 0


def test_the_retention_comes_from_the_configuration(make_app: Any, clock: Clock) -> None:
    app = make_app(AUDIT_RETENTION_DAYS=30)
    record(app, "test.old")
    clock.advance(days=31)
    assert app.test_cli_runner().invoke(args=["purge"]).exit_code == 0
    assert "test.old" not in actions(app)
    assert app.test_cli_runner().invoke(args=["audit-verify"]).exit_code == 0
