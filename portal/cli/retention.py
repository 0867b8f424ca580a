"""Erasing personal data past the retention period (run daily by a timer)."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from portal.core import db
from portal.reporting.retention import purge_expired
from portal.staff import auth


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Erase personal data of requests closed longer ago than the retention period."""
    try:
        report = purge_expired(dt.datetime.now(dt.UTC))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    auth.forget_old_login_failures()
    db.session().commit()
    click.echo(
        f"Erased the personal data of {report.erased} request(s) closed before "
        f"{report.cutoff:%Y-%m-%d %H:%M} UTC (retention: {report.retention_days} days), "
        "and of any cancelled request still holding some. Open requests are kept."
    )


COMMANDS = (purge_command,)
