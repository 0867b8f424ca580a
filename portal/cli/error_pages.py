"""nginx's own error pages (a body too large, the limit at the door, the app down or too slow) as
static pages of the portal, in every public language: the same page, quick exit and emergency
numbers as the app's own error pages, written once so that nginx serves them without the app."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core.errors import render_error

# The answers nginx makes itself (docs/deploy.md, `error_page`), and the page each one shows:
# a gateway error says what the app's 503 says, that nothing was saved.
NGINX_STATUSES = {413: 413, 429: 429, 502: 503, 503: 503, 504: 503}


def write_error_pages(folder: Path) -> list[Path]:
    """Write `<lang>/<status>.html` for every public language and nginx status; return them."""
    written = []
    for lang in current_app.config["PUBLIC_LANGUAGES"]:
        (folder / lang).mkdir(parents=True, exist_ok=True)
        with current_app.test_request_context(f"/{lang}/", base_url="http://localhost"):
            for status, shown in NGINX_STATUSES.items():
                page, _ = render_error(shown)
                target = folder / lang / f"{status}.html"
                target.write_text(page, encoding="utf-8")
                target.chmod(0o644)
                written.append(target)
    return written


@click.command("error-pages")
@with_appcontext
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def error_pages_command(folder: Path) -> None:
    """Write nginx's error pages (413, 429, 502, 503, 504) in every public language."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    written = write_error_pages(folder)
    click.echo(f"{len(written)} error pages written under {folder}.")


COMMANDS = (error_pages_command,)
