"""The addresses printed on business cards."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db, stations
from ..cards import card_link, current_batch


@click.command("card-link")
@with_appcontext
@click.argument("station_code")
@click.option("--lang", default=None, help="Language prefix for the link, e.g. fr.")
@click.option("--new-batch", "label", default=None, help="Start a new card batch with this label.")
def card_link_command(station_code: str, lang: str | None, label: str | None) -> None:
    """Print the address to print on a station's business cards."""
    if lang is not None and lang not in current_app.config["PUBLIC_LANGUAGES"]:
        raise click.ClickException(f"Unknown language {lang!r}.")
    try:
        station = stations.station_by_code(station_code)
    except stations.UnknownStation as exc:
        raise click.ClickException(f"No station with code {station_code!r}.") from exc
    batch = current_batch(station, label)
    db.session().commit()
    click.echo(card_link(batch, lang))


COMMANDS = (card_link_command,)
