"""A real SMTP server on loopback for the tests that send e-mail, and reading what it received."""

from __future__ import annotations

import email
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller

from .production import free_port


class Inbox:
    """An SMTP handler that keeps what it receives, or refuses everything."""

    def __init__(self, refuse: bool = False) -> None:
        self.received: list[Any] = []
        self.refuse = refuse

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse:
            return "554 Transaction failed"
        self.received.append(envelope)
        return "250 OK"

    def wait(self, count: int, seconds: float = 5.0) -> list[Any]:
        """What arrived once `count` messages did, or after `seconds`."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


# The server's inbox and the port it listens on.
MailSink = tuple[Inbox, int]


@contextmanager
def mail_server(refuse: bool = False) -> Iterator[MailSink]:
    """An SMTP server on a free loopback port for the time of the block."""
    inbox, port = Inbox(refuse), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def body_of(envelope: Any) -> tuple[EmailMessage, str]:
    """A received message and its text as a person reads it."""
    parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body()
    assert body is not None, "a message without a body"
    return parsed, str(body.get_content())
