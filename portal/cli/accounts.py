"""Staff accounts created from the command line (the first coordinator, for one)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core import db
from portal.core.fields import is_email
from portal.models import Role
from portal.reporting import notify
from portal.staff import accounts, audit, password_sign_in


def _checked_email(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if value.strip() and not is_email(value.strip()):
        raise click.BadParameter("not an e-mail address (name@example.fr)")
    return value.strip()


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--station", "stations", multiple=True, help="Station code; repeat for several.")
@click.option("--name", default="", help="Full name shown in the back office.")
@click.option(
    "--email",
    default="",
    callback=_checked_email,
    help="Her e-mail address: the invitation is sent there when SMTP is set up.",
)
def create_user_command(
    username: str, role: str, stations: tuple[str, ...], name: str, email: str
) -> None:
    """Create a staff account and print its one-time invitation link (and e-mail it)."""
    try:
        user = accounts.create_user(username, role, list(stations), name, email=email or None)
    except accounts.AccountError as exc:
        db.session().rollback()
        raise click.ClickException(f"Cannot create the account: {exc.code}.") from exc
    link = accounts.invitation_link(user)
    if user.email and notify.enabled():
        audit.record("user.invite_sent", target=f"user:{user.id}")
    db.session().commit()
    hours = current_app.config["INVITATION_HOURS"]
    click.echo(f"Account {user.username} ({role}) created. Invitation link, valid {hours} h, once:")
    click.echo(link)
    sending = notify.invitation(user, link)
    if sending is not None:
        click.echo(f"Sending the invitation to {user.email} as well (a failure is logged).")
        sending.join(timeout=30)  # the command ends here: let the e-mail go first


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
