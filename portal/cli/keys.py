"""Rotating the data keys, and what the operator must do next."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.core import db
from portal.core.keyring import (
    ENV_VARIABLE,
    Rotation,
    fingerprint,
    keys_come_from_file,
    keys_file,
    new_data_key,
    rotate_configured_keys,
    rotate_file_keys,
)


def _echo_unreadable(unreadable: dict[str, int]) -> None:
    where = ", ".join(f"{name}: {count}" for name, count in sorted(unreadable.items()))
    raise click.ClickException(
        f"Some fields open with none of the keys ({where}); every old key was kept. "
        "Find the key that made them before retiring any."
    )


def _echo_file_rotation(app: Flask, rotation: Rotation) -> None:
    click.echo(f"New data key {fingerprint(rotation.current)} written first in {keys_file(app)}.")
    click.echo(f"Re-encrypted {rotation.rewritten} field(s) under it.")
    if rotation.unreadable:
        _echo_unreadable(rotation.unreadable)
    names = ", ".join(fingerprint(k) for k in rotation.retired) or "none"
    click.echo(f"Retired old key(s): {names}.")
    click.echo("Running processes took the new key from the file by themselves: no restart needed.")


def _echo_configured_rotation(rotation: Rotation) -> None:
    click.echo(
        f"Re-encrypted {rotation.rewritten} field(s) under the first key of {ENV_VARIABLE} "
        f"({fingerprint(rotation.current)})."
    )
    if rotation.unreadable:
        _echo_unreadable(rotation.unreadable)
    if not rotation.retired:
        click.echo(
            f"{ENV_VARIABLE} holds one key: nothing to retire. To rotate, start with "
            "`rotate-keys --generate`."
        )
        return
    click.echo("These keys are no longer needed; remove them from " + ENV_VARIABLE + ":")
    for position, key in enumerate(rotation.retired, start=2):
        click.echo(f"  key {position} in the list (fingerprint {fingerprint(key)})")
    click.echo(f"Keep only the first key ({fingerprint(rotation.current)}), then restart.")


def _echo_generated(from_file: bool) -> None:
    if from_file:
        click.echo("The data keys are in instance/keys.json: `rotate-keys` alone rotates them.")
        return
    click.echo(new_data_key())
    click.echo(
        f"Put this key first in {ENV_VARIABLE} (comma-separated, the current keys after it), "
        "restart every application process, then run `rotate-keys` to re-encrypt the data.",
        err=True,
    )


@click.command("rotate-keys")
@with_appcontext
@click.option(
    "--generate",
    is_flag=True,
    help=f"Print a new key to put first in {ENV_VARIABLE}; changes nothing.",
)
def rotate_keys_command(generate: bool) -> None:
    """Rotate the data keys: re-encrypt every encrypted field under a new key."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    from_file = keys_come_from_file(app)
    if generate:
        _echo_generated(from_file)
    elif from_file:
        rotation = rotate_file_keys(app)
        db.session().commit()
        _echo_file_rotation(app, rotation)
    else:
        rotation = rotate_configured_keys(app)
        db.session().commit()
        _echo_configured_rotation(rotation)


COMMANDS = (rotate_keys_command,)
