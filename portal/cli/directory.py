"""Importing and exporting the directory: `flask --app portal directory-import|directory-export`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.core import db
from portal.directory import search, transfer


@click.command("directory-import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(transfer.FORMATS),
    default=None,
    help="csv or json; by default from the file name.",
)
def directory_import_command(path: Path, fmt: str | None) -> None:
    """Import directory entries from CSV or JSON: all of them, or none if a row is bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException("The file is not UTF-8 text; nothing was imported.") from exc
    try:
        result = transfer.import_text(text, transfer.guess_format(path.name, fmt))
    except transfer.ImportRejected as exc:
        db.session().rollback()
        for error in exc.errors:
            click.echo(str(error), err=True)
        count = len(exc.errors)
        raise click.ClickException(f"{count} bad row(s); nothing was imported.") from exc
    db.session().commit()
    click.echo(f"Imported: {result.created} new, {result.updated} updated.")


@click.command("directory-export")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(transfer.FORMATS), default="csv")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of the standard output.",
)
@click.option(
    "--include-confidential",
    is_flag=True,
    help="Also export confidential addresses (keep such a file safe).",
)
def directory_export_command(fmt: str, output: Path | None, include_confidential: bool) -> None:
    """Export every directory entry, hidden ones included, sorted by identifier."""
    text = transfer.export_text(
        search.staff_entries(include_hidden=True), fmt, include_confidential
    )
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Written to {output}.", err=True)


COMMANDS = (directory_import_command, directory_export_command)
