"""Demo data for a newcomer's first run, and the demo accounts' second factor."""

from __future__ import annotations

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext

from portal.cli.demo_data import create_demo_staff, create_demo_stations
from portal.core import db
from portal.core.schema import upgrade_database
from portal.core.urls import public_url
from portal.directory.demo import create_demo_directory
from portal.staff import accounts, auth
from portal.stations.cards import card_link, current_batch


def _refuse_demo_outside_sqlite(force: bool) -> None:
    if not current_app.config["DATABASE_URL"].startswith("sqlite") and not force:
        raise click.ClickException(
            "Demo accounts have published passwords: refusing on a server database "
            "(pass --force on a throw-away database)."
        )


@click.command("demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Allow demo accounts on a non-SQLite database.")
def demo_command(force: bool) -> None:
    """Add demo stations, card batches and staff accounts, and print how to try the portal."""
    _refuse_demo_outside_sqlite(force)
    upgrade_database()
    stations = create_demo_stations()
    links = [(station.code, current_batch(station)) for station in stations]
    staff = create_demo_staff()
    directory_count = len(create_demo_directory())
    db.session().commit()
    click.echo(f"Public form: {public_url('public.request_form', lang='fr')}")
    click.echo("Demo stations and the links printed on their cards:")
    for code, batch in links:
        click.echo(f"  {code:12} {card_link(batch)}")
    login = public_url("staff.login")
    click.echo(f"Back office: {login}  (demo accounts, never use them for real)")
    for user, password in staff:
        click.echo(f"  {user.role:12} username {user.username:14} password {password}")
    click.echo("  Code: `.venv/bin/flask --app portal demo-code USERNAME` prints the current one,")
    click.echo("  `demo-code --secret USERNAME` the key to add to an authenticator app.")
    directory = public_url("public.directory", lang="fr")
    click.echo(f"Directory: {directory_count} demo entries, {directory}")


@click.command("demo-code")
@with_appcontext
@click.argument("username")
@click.option("--secret", is_flag=True, help="Print the TOTP secret instead of the current code.")
def demo_code_command(username: str, secret: bool) -> None:
    """Print the current TOTP code of a demo account (demo accounts only)."""
    user = accounts.user_by_name(username)
    if user is None or not user.is_demo or user.totp_secret_enc is None:
        raise click.ClickException(f"{username!r} is not a demo account.")
    totp_secret = auth.totp_secret(user) or ""
    click.echo(totp_secret if secret else pyotp.TOTP(totp_secret).now())


COMMANDS = (demo_command, demo_code_command)
