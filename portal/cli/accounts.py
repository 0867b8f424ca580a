"""Staff accounts created from the command line (the first coordinator, for one)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core import db
from portal.models import Role
from portal.staff import accounts, password_sign_in


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--station", "stations", multiple=True, help="Station code; repeat for several.")
@click.option("--name", default="", help="Full name shown in the back office.")
def create_user_command(username: str, role: str, stations: tuple[str, ...], name: str) -> None:
    """Create a staff account and print its one-time invitation link."""
    try:
        user = accounts.create_user(username, role, list(stations), name)
    except accounts.AccountError as exc:
        db.session().rollback()
        raise click.ClickException(f"Cannot create the account: {exc.code}.") from exc
    link = accounts.invitation_link(user)
    db.session().commit()
    hours = current_app.config["INVITATION_HOURS"]
    click.echo(f"Account {user.username} ({role}) created. Invitation link, valid {hours} h, once:")
    click.echo(link)


@click.command("unlock-user")
@with_appcontext
@click.argument("username")
def unlock_user_command(username: str) -> None:
    """Lift the sign-in locks on an account (the last coordinator's, when nobody else can)."""
    user = accounts.user_by_name(username)
    if user is None:
        raise click.ClickException(f"No account {username.strip().lower()}.")
    password_sign_in.unlock(user, None)
    db.session().commit()
    click.echo(f"Account {user.username} unlocked.")


COMMANDS = (create_user_command, unlock_user_command)
