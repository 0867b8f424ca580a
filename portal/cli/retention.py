"""Erasing personal data past the retention period (run daily by a timer).

Blanking a field is not enough in PostgreSQL: the old row stays on disk (dead tuples, the WAL,
backups) until overwritten. So, with the keys in instance/keys.json, the purge then rotates the
data keys: what is kept is encrypted again under a new key, and every older key, the only ones
that opened what was erased, is destroyed. With keys in the environment, the operator's rotation
does the same (see the deployment guide).
"""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core import db
from portal.core.keyring import (
    ENV_VARIABLE,
    fingerprint,
    keys_come_from_file,
    rotate_file_keys,
)
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
    _destroy_old_keys()


def _destroy_old_keys() -> None:
    """Leave no key that opens what was erased (file keys only: see the module's docstring)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not keys_come_from_file(app):
        click.echo(
            f"Data keys come from {ENV_VARIABLE}: rotate them (`rotate-keys --generate`) so that "
            "no old copy of what was erased can be read."
        )
        return
    rotation = rotate_file_keys(app)
    db.session().commit()
    if rotation.unreadable:
        raise click.ClickException("some fields open with no key: the old keys were kept")
    click.echo(
        f"Kept data encrypted again under a new key ({fingerprint(rotation.current)}); "
        f"{len(rotation.retired)} older key(s) destroyed."
    )


COMMANDS = (purge_command,)
