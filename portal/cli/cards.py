"""Business cards: the address to print, batches, their PDF and their revocation."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.cli.stations import station_or_fail
from portal.core import db
from portal.stations import cards
from portal.stations.card_print import CardLayoutError, card_pdf


@click.command("card-link")
@with_appcontext
@click.argument("station_code")
@click.option("--lang", default=None, help="Language prefix for the link, e.g. fr.")
@click.option("--new-batch", "label", default=None, help="Start a new card batch with this label.")
def card_link_command(station_code: str, lang: str | None, label: str | None) -> None:
    """Print the address to print on a station's business cards (its current batch)."""
    if lang is not None and lang not in current_app.config["PUBLIC_LANGUAGES"]:
        raise click.ClickException(f"Unknown language {lang!r}.")
    batch = cards.current_batch(station_or_fail(station_code), label)
    db.session().commit()
    click.echo(cards.card_link(batch, lang))


@click.command("card-batch")
@with_appcontext
@click.argument("station_code")
@click.option("--label", required=True, help="What the batch is, e.g. the print run's date.")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--without-helplines",
    is_flag=True,
    help="Leave the national helplines off the back of the cards (PORTAL_CARD_HELPLINES).",
)
def card_batch_command(
    station_code: str, label: str, pdf_path: Path | None, without_helplines: bool
) -> None:
    """Make a new batch of cards for a station; print its short link, write its PDF."""
    try:
        batch = cards.new_batch(station_or_fail(station_code), label)
        document = card_pdf(batch, False if without_helplines else None) if pdf_path else None
    except cards.CardError as exc:
        raise click.ClickException(f"Refused: {exc.code}.") from exc
    except CardLayoutError as exc:
        raise click.ClickException(f"The cards cannot be printed: {exc}.") from exc
    db.session().commit()
    if pdf_path and document:
        pdf_path.write_bytes(document)
    click.echo(cards.card_link(batch))


@click.command("card-revoke")
@with_appcontext
@click.argument("code")
def card_revoke_command(code: str) -> None:
    """Revoke a batch by its printed code: its cards then reach the coordinator."""
    batch = cards.batch_by_code(code)
    if batch is None:
        raise click.ClickException(f"No card batch with code {code!r}.")
    try:
        cards.revoke_batch(batch)
    except cards.CardError as exc:
        raise click.ClickException(f"Refused: {exc.code}.") from exc
    db.session().commit()
    click.echo(f"Revoked {cards.card_link(batch)}; its cards now reach the coordinator.")


COMMANDS = (card_link_command, card_batch_command, card_revoke_command)
