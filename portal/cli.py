"""Commands for operators: `flask --app portal <command>`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import pyotp
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, make_url, select

from . import accounts, audit, auth, crypto, db
from .cards import card_link
from .directory.commands import COMMANDS as DIRECTORY_COMMANDS
from .directory.demo import create_demo_directory
from .keyring import rotate_keys_command
from .models import CallbackRequest, CardBatch, Role, StaffUser, Station
from .retention import purge_command

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> AlembicConfig:
    """Alembic set up for the current app's database."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = current_app.config["DATABASE_URL"]
    return cfg


def upgrade_database() -> None:
    """Bring the schema to the latest migration; data already there is kept."""
    alembic_command.upgrade(alembic_config(), "head")
    _restrict_sqlite_file(current_app.config["DATABASE_URL"])


def _restrict_sqlite_file(url: str) -> None:
    """The embedded database holds encrypted personal data: readable by its owner only."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return
    for suffix in ("", "-wal", "-shm"):
        path = Path(parsed.database + suffix)
        if path.exists() and os.access(path, os.W_OK):
            path.chmod(0o600)


DEMO_STATIONS = (
    (
        "st-etienne",
        "Commissariat de Saint-Étienne",
        "commissariat",
        "Saint-Étienne",
        "+33465710001",
    ),
    (
        "st-chamond",
        "Commissariat de Saint-Chamond",
        "commissariat",
        "Saint-Chamond",
        "+33465710002",
    ),
    ("firminy", "Commissariat de Firminy", "commissariat", "Firminy", "+33465710003"),
    ("roanne", "Commissariat de Roanne", "commissariat", "Roanne", "+33465710004"),
    ("gendarmerie", "Gendarmerie de la Loire", "brigade", "Saint-Étienne", "+33465710005"),
)


def station_by_code(code: str) -> Station:
    station = db.session().scalars(select(Station).where(Station.code == code)).first()
    if station is None:
        raise click.ClickException(f"No station with code {code!r}.")
    return station


def current_batch(station: Station, label: str | None = None) -> CardBatch:
    """The station's newest batch still valid, created when there is none (or a label is given)."""
    session = db.session()
    batch = None
    if label is None:
        batch = session.scalars(
            select(CardBatch)
            .where(CardBatch.station_id == station.id, CardBatch.revoked_at.is_(None))
            .order_by(CardBatch.id.desc())
        ).first()
    if batch is None:
        batch = CardBatch(station_id=station.id, label=label or f"{station.name} cards")
        session.add(batch)
        session.commit()
    return batch


def create_demo_stations() -> list[Station]:
    session = db.session()
    stations = []
    for code, name, kind, commune, number in DEMO_STATIONS:
        station = session.scalars(select(Station).where(Station.code == code)).first()
        if station is None:
            station = Station(
                code=code, name=name, kind=kind, commune=commune, callback_number=number
            )
            session.add(station)
        stations.append(station)
    session.commit()
    return stations


# username, role, stations, display name. Demo only: their passwords are printed.
DEMO_STAFF = (
    ("coordinatrice", Role.ADMIN.value, [], "Claire Coordinatrice"),
    ("intervenante", Role.INTERVENANT.value, ["st-etienne", "st-chamond"], "Marie-Claire Dumont"),
    ("policier", Role.REFERRER.value, ["st-etienne"], "Brigadier Martin"),
    ("association", Role.PARTNER.value, [], "Association partenaire"),
)
DEMO_PASSWORD_SUFFIX = "-rappel-Loire-demo"  # noqa: S105  (published on purpose)


def create_demo_staff() -> list[tuple[StaffUser, str]]:
    """Demo accounts, ready to log in, with their passwords; created once, then reused."""
    made = []
    for username, role, stations, name in DEMO_STAFF:
        user = accounts.user_by_name(username)
        password = f"{role}{DEMO_PASSWORD_SUFFIX}"
        if user is None:
            user = accounts.create_user(username, role, stations, name)
            user.password_hash = auth.hash_password(password)
            user.totp_secret_enc = crypto.encrypt(auth.new_totp_secret())
            user.is_demo = True
        made.append((user, password))
    db.session().commit()
    return made


def _refuse_demo_outside_sqlite(force: bool) -> None:
    if not current_app.config["DATABASE_URL"].startswith("sqlite") and not force:
        raise click.ClickException(
            "Demo accounts have published passwords: refusing on a server database "
            "(pass --force on a throw-away database)."
        )


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (keeps existing data)."""
    upgrade_database()
    click.echo("Database is up to date.")


@click.command("demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Allow demo accounts on a non-SQLite database.")
def demo_command(force: bool) -> None:
    """Add demo stations, card batches and staff accounts, and print how to try the portal."""
    _refuse_demo_outside_sqlite(force)
    upgrade_database()
    stations = create_demo_stations()
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo(f"Public form: {base}/fr/")
    click.echo("Demo stations and the links printed on their cards:")
    for station in stations:
        click.echo(f"  {station.code:12} {card_link(current_batch(station))}")
    click.echo(f"Back office: {base}/staff/login  (demo accounts, never use them for real)")
    for user, password in create_demo_staff():
        click.echo(f"  {user.role:12} username {user.username:14} password {password}")
    click.echo("  Code: `.venv/bin/flask --app portal demo-code USERNAME` prints the current one,")
    click.echo("  `demo-code --secret USERNAME` the key to add to an authenticator app.")
    click.echo(f"Directory: {len(create_demo_directory())} demo entries, {base}/fr/directory")


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


@click.command("audit-verify")
@with_appcontext
def audit_verify_command() -> None:
    """Check the audit log's hash chain; report the first broken link."""
    broken = audit.verify_chain()
    if broken is not None:
        message = f"Audit log broken at event {broken.event_id}: {broken.reason}."
        raise click.ClickException(message)
    click.echo("Audit log intact.")


@click.command("card-link")
@with_appcontext
@click.argument("station_code")
@click.option("--lang", default=None, help="Language prefix for the link, e.g. fr.")
@click.option("--new-batch", "label", default=None, help="Start a new card batch with this label.")
def card_link_command(station_code: str, lang: str | None, label: str | None) -> None:
    """Print the address to print on a station's business cards."""
    if lang is not None and lang not in current_app.config["PUBLIC_LANGUAGES"]:
        raise click.ClickException(f"Unknown language {lang!r}.")
    click.echo(card_link(current_batch(station_by_code(station_code), label), lang))


@click.command("stats")
@with_appcontext
def stats_command() -> None:
    """Print requests per station and status as JSON, with no personal data."""
    rows = db.session().execute(
        select(Station.code, CallbackRequest.status, func.count())
        .select_from(CallbackRequest)
        .outerjoin(Station, CallbackRequest.station_id == Station.id)
        .group_by(Station.code, CallbackRequest.status)
    )
    per_station: dict[str, dict[str, int]] = {
        code: {} for code in db.session().scalars(select(Station.code).order_by(Station.code))
    }
    for code, status, count in rows:
        per_station.setdefault(code or "unrouted", {})[status] = count
    total = sum(sum(by_status.values()) for by_status in per_station.values())
    click.echo(json.dumps({"total": total, "stations": per_station}, indent=2, sort_keys=True))


def init_app(app: Flask) -> None:
    for cmd in (
        init_db_command,
        demo_command,
        demo_code_command,
        card_link_command,
        stats_command,
        create_user_command,
        audit_verify_command,
        purge_command,
        rotate_keys_command,
        *DIRECTORY_COMMANDS,
    ):
        app.cli.add_command(cmd)
