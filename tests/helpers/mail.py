"""A real SMTP server on loopback that keeps what it receives, for the e-mails the portal sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from test_notifications import Inbox, free_port


@contextmanager
def smtp_sink() -> Iterator[tuple[Inbox, int]]:
    """Start a sink on a free port; yields its inbox and port, stops it afterwards."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
