"""Stations, run by the coordinator from the command line: add, edit, close, list."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from portal.core import db
from portal.models import Station
from portal.stations import registry

KIND = click.Choice(registry.KINDS)


def station_or_fail(code: str) -> Station:
    """The station with this code, or a plain error for the operator."""
    try:
        return registry.station_by_code(code)
    except registry.UnknownStation as exc:
        raise click.ClickException(f"No station with code {code!r}.") from exc


def _refused(exc: registry.StationError) -> click.ClickException:
    return click.ClickException(f"Refused: {exc.code} (field {exc.field}).")


@click.command("station-add")
@with_appcontext
@click.argument("code")
@click.option("--name", required=True, help="Name shown to staff and people, e.g. the town's.")
@click.option("--kind", type=KIND, required=True)
@click.option("--commune", required=True)
@click.option("--callback-number", required=True, help="The number the call will come from.")
@click.option("--calling-hours", default="", help='When calls are made, e.g. "lun.–ven. 9 h–17 h".')
def station_add_command(
    code: str, name: str, kind: str, commune: str, callback_number: str, calling_hours: str
) -> None:
    """Add a station, open at once."""
    details = registry.StationDetails(name, kind, commune, callback_number, calling_hours)
    try:
        station = registry.add_station(code, details)
    except registry.StationError as exc:
        raise _refused(exc) from exc
    db.session().commit()
    click.echo(json.dumps(registry.describe(station), ensure_ascii=False))


@click.command("station-edit")
@with_appcontext
@click.argument("code")
@click.option("--name")
@click.option("--kind", type=KIND)
@click.option("--commune")
@click.option("--callback-number")
@click.option("--calling-hours")
@click.option("--reopen", is_flag=True, help="Open a closed station again.")
def station_edit_command(code: str, reopen: bool, **changes: str | None) -> None:
    """Change a station's details; options left out keep their value."""
    station = station_or_fail(code)
    current = registry.describe(station)
    values = {key: current[key] if value is None else value for key, value in changes.items()}
    try:
        registry.edit_station(station, registry.StationDetails(**values))
        if reopen:
            registry.reopen_station(station)
    except registry.StationError as exc:
        raise _refused(exc) from exc
    db.session().commit()
    click.echo(json.dumps(registry.describe(station), ensure_ascii=False))


@click.command("station-close")
@with_appcontext
@click.argument("code")
def station_close_command(code: str) -> None:
    """Close a station: its open requests go to the coordinator; its cards reach her."""
    station = station_or_fail(code)
    try:
        moved = registry.close_station(station)
    except registry.StationError as exc:
        raise _refused(exc) from exc
    db.session().commit()
    click.echo(f"Closed {station.code}; {moved} open request(s) moved to the coordinator.")


@click.command("station-list")
@with_appcontext
def station_list_command() -> None:
    """Every station as JSON (no personal data), open ones first."""
    listing = [registry.describe(station) for station in registry.all_stations()]
    click.echo(json.dumps(listing, ensure_ascii=False, indent=2))


COMMANDS = (station_add_command, station_edit_command, station_close_command, station_list_command)
