"""Commands for operators: `flask --app portal <command>`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from sqlalchemy import func, select

from . import db
from .cards import card_link
from .models import CallbackRequest, CardBatch, Station

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


@click.command("init-db")
def init_db_command() -> None:
    """Create or upgrade the database schema (keeps existing data)."""
    upgrade_database()
    click.echo("Database is up to date.")


@click.command("demo")
def demo_command() -> None:
    """Add demo stations and card batches, and print how to try the portal."""
    upgrade_database()
    stations = create_demo_stations()
    click.echo("Demo stations and the links printed on their cards:")
    for station in stations:
        click.echo(f"  {station.code:12} {card_link(current_batch(station))}")
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo(f"Public form: {base}/fr/")


@click.command("card-link")
@click.argument("station_code")
@click.option("--lang", default=None, help="Language prefix for the link, e.g. fr.")
@click.option("--new-batch", "label", default=None, help="Start a new card batch with this label.")
def card_link_command(station_code: str, lang: str | None, label: str | None) -> None:
    """Print the address to print on a station's business cards."""
    if lang is not None and lang not in current_app.config["PUBLIC_LANGUAGES"]:
        raise click.ClickException(f"Unknown language {lang!r}.")
    click.echo(card_link(current_batch(station_by_code(station_code), label), lang))


@click.command("stats")
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
    for cmd in (init_db_command, demo_command, card_link_command, stats_command):
        app.cli.add_command(cmd)
