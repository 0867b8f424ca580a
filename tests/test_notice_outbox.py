"""Notices to staff are never lost: with the SMTP server down, they wait in the outbox, and
`send-notices` delivers every one once it is back; requests in "to check" send none of their own
(one flood notice covers them). Through a real SMTP server on loopback.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskCliRunner
from helpers.mail import Inbox, body_of
from helpers.production import free_port
from helpers.staff import StaffAccount
from sqlalchemy import func, select

from portal.core import db
from portal.models import CallbackRequest, StaffUser
from portal.reporting import outbox

SENDS = 50
QUEUE_RATE = 30  # the first 30 unknown requests go to the queue, the other 20 "to check"


def give_addresses(app: Flask, accounts: dict[str, StaffAccount]) -> None:
    with app.app_context():
        for name, account in accounts.items():
            user = db.session().get(StaffUser, account.id)
            assert user is not None
            user.email = f"{name}@loire.example"
        db.session().commit()


def lanes_of(app: Flask) -> dict[str, int]:
    with app.app_context():
        rows = db.session().execute(
            select(CallbackRequest.lane, func.count()).group_by(CallbackRequest.lane)
        )
        return {lane: int(n) for lane, n in rows}


def wait_for_tries(seconds: float = 15.0) -> None:
    """The at-once tries run in the background: wait until they are over."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(t.name == outbox.AT_ONCE_THREAD for t in threading.enumerate()):
            return
        time.sleep(0.05)


def test_notices_wait_for_a_dead_smtp_server_and_all_arrive_once_it_is_back(
    app: Flask,
    runner: FlaskCliRunner,
    submit: Callable[..., Any],
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    coordinator = make_staff("admin", username="coordinator")
    give_addresses(
        app,
        {
            "etienne": make_staff("intervenant", ["st-etienne"], username="etienne"),
            "coordinator": coordinator,
        },
    )
    port = free_port()  # nothing listens there yet: the server is down
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SUBMIT_LIMITS="1000 per minute",
        UNKNOWN_RATE=f"{QUEUE_RATE} per hour",
    )
    for n in range(SENDS):
        assert submit(phone=f"06 77 00 {n // 100:02d} {n % 100:02d}").status_code == 303
    assert lanes_of(app) == {"queue": QUEUE_RATE, "check": SENDS - QUEUE_RATE}
    wait_for_tries()
    with app.app_context():
        waiting = outbox.counts()
    # One notice per entry in the queue, one for the flood; none per request "to check".
    assert waiting.pending + waiting.failed == QUEUE_RATE + 1
    assert waiting.failed >= 1
    # The coordinator is told, on her "to check" page.
    staff = app.test_client()
    login_as(staff, coordinator)
    page = html.unescape(staff.get("/staff/triage").get_data(as_text=True))
    assert f"{waiting.pending} en attente, {waiting.failed} en échec" in page

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        result = runner.invoke(args=["send-notices"])
        assert result.exit_code == 0, result.output
        received = inbox.wait(QUEUE_RATE + 1)
        time.sleep(0.3)  # anything more would have arrived by now
        second = runner.invoke(args=["send-notices"])
    finally:
        controller.stop()
    assert second.exit_code == 0 and "sent 0" in second.output
    assert len(received) == QUEUE_RATE + 1, result.output
    bodies = [body_of(envelope)[1] for envelope in received]
    floods = [b for b in bodies if "to check" in b]
    assert len(floods) == 1
    to_station = [e for e in received if e.rcpt_tos == ["etienne@loire.example"]]
    assert len(to_station) == QUEUE_RATE
    with app.app_context():
        assert outbox.counts() == outbox.OutboxCounts(pending=0, failed=0)
