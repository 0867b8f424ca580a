"""Sending the notices to staff that the outbox holds (a timer runs it every minute)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.reporting import notify, outbox


@click.command("send-notices")
@with_appcontext
def send_notices_command() -> None:
    """Send the notices that are due; a failed one is tried again later."""
    if not notify.enabled():
        click.echo("e-mail is not set up (PORTAL_SMTP_HOST): nothing to send")
        return
    sent, failed = outbox.send_due(retry_now=True)
    left = outbox.counts()
    click.echo(f"sent {sent}, failed {failed}; waiting {left.pending}, failed before {left.failed}")
    if failed:
        raise SystemExit(1)


COMMANDS = (send_notices_command,)
