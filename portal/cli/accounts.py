"""Staff accounts created from the command line (the first coordinator, for one)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core import db
from portal.models import Role
from portal.staff import accounts


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--station", "stations", multiple=True, help="Station code; repeat for several.")
@click.option("--name", default="", help="Full name shown in the back office.")
@click.option("--email", default="", help="Address for notices of new requests (optional).")
def create_user_command(
    username: str, role: str, stations: tuple[str, ...], name: str, email: str
) -> None:
    """Create a staff account and print its one-time invitation link."""
    try:
        user = accounts.create_user(username, role, list(stations), name, email=email.strip())
    except accounts.AccountError as exc:
        db.session().rollback()
        raise click.ClickException(f"Cannot create the account: {exc.code}.") from exc
    link = accounts.invitation_link(user)
    db.session().commit()
    hours = current_app.config["INVITATION_HOURS"]
    click.echo(f"Account {user.username} ({role}) created. Invitation link, valid {hours} h, once:")
    click.echo(link)


COMMANDS = (create_user_command,)
