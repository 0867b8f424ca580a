"""Checking the audit log."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.staff import audit


@click.command("audit-verify")
@with_appcontext
def audit_verify_command() -> None:
    """Check the audit log's hash chain; report the first broken link."""
    broken = audit.verify_chain()
    if broken is not None:
        message = f"Audit log broken at event {broken.event_id}: {broken.reason}."
        raise click.ClickException(message)
    click.echo("Audit log intact.")


COMMANDS = (audit_verify_command,)
