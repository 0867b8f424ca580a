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


# The one order that is safe with several application hosts (docs/deploy.md, section 11): a key
# is first anywhere only once every process decrypts with it, and leaves the list only once no
# process encrypts with it and no field is under it.
ROTATION_STEPS = (
    "Decrypt-only everywhere: add this key SECOND in {var} (current key first, this one after "
    "it) on every application host, then restart the hosts one after the other.",
    "Encrypt with it: put it FIRST in {var} (the old key after it) on every host, then restart "
    "them one after the other again.",
    "Re-encrypt: on one host, run `rotate-keys`.",
    "Retire the old key: remove it from {var} on every host (this key alone), restart them one "
    "after the other, and put the new keys in the safe.",
)


def rotation_steps() -> list[str]:
    """The steps of a rotation with keys in the environment, numbered, in their one safe order."""
    return [
        f"{number}. {step.format(var=ENV_VARIABLE)}"
        for number, step in enumerate(ROTATION_STEPS, start=1)
    ]


def _echo_generated(from_file: bool) -> None:
    if from_file:
        click.echo("The data keys are in instance/keys.json: `rotate-keys` alone rotates them.")
        return
    click.echo(new_data_key())
    click.echo(
        "A new data key (above). With several hosts, only this order loses nothing:", err=True
    )
    for step in rotation_steps():
        click.echo(f"  {step}", err=True)
    click.echo(
        "Never put it first on a host before every host decrypts with it: a host that cannot "
        "read it yet would fail on a request written with it.",
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
