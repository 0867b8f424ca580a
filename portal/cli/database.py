"""Creating and upgrading the database schema."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.core.schema import upgrade_database


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (keeps existing data)."""
    upgrade_database()
    click.echo("Database is up to date.")


COMMANDS = (init_db_command,)
