"""Figures for monitoring, with no personal data."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from portal.reporting import statistics


@click.command("stats")
@with_appcontext
def stats_command() -> None:
    """Print requests per station and status as JSON, with no personal data."""
    per_station = statistics.requests_per_station_and_status()
    total = sum(sum(by_status.values()) for by_status in per_station.values())
    click.echo(json.dumps({"total": total, "stations": per_station}, indent=2, sort_keys=True))


COMMANDS = (stats_command,)
