"""Refusing to serve fiction: a production set-up starts only once its real settings are given.

A server database or HTTPS means people are served. The embedded defaults (the coordinator's
number, reserved for fiction; the data controller and its contact; the public address) would then
be told to victims and printed on cards: the app refuses to start and names each setting. Keys are
generated only into an instance folder the operator named (or the checkout's own, for `make run`),
never silently into the Python environment, where rebuilding it would lose them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import phonenumbers

# The settings that must not keep their defaults once people are served.
REQUIRED_IN_PRODUCTION = (
    ("COORDINATOR_PHONE", "the number a victim is told the call will come from, without a station"),
    ("CONTROLLER", "the data controller named on the privacy page"),
    ("CONTROLLER_CONTACT", "how to reach the data controller"),
    ("PUBLIC_BASE_URL", "the address printed on cards and in links"),
)
KEY_SETTINGS = ("SECRET_KEY", "CARD_KEY", "BLIND_INDEX_KEY", "DATA_KEYS")


class SettingsRefused(click.ClickException):
    """The settings would have the app mislead people or lose its keys; the message says how to
    fix them. A click error, so that `flask --app portal …` prints it plainly."""


def serves_people(config: Mapping[str, Any]) -> bool:
    """A server database (anything but SQLite) or HTTPS: a set-up people reach."""
    url = str(config.get("DATABASE_URL") or "")
    return not url.startswith("sqlite") or bool(config.get("HTTPS"))


def _comparable(name: str, value: object) -> str:
    """The value as people meet it: a number however it is written, an address without its
    trailing slash, text without surrounding spaces."""
    text = str(value or "").strip()
    if name == "COORDINATOR_PHONE":
        try:
            parsed = phonenumbers.parse(text, "FR")
        except phonenumbers.NumberParseException:
            return text
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if name == "PUBLIC_BASE_URL":
        return text.rstrip("/")
    return text


def defaults_left(config: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[str]:
    """The required settings still at their embedded defaults (or empty)."""
    return [
        name
        for name, _meaning in REQUIRED_IN_PRODUCTION
        if not _comparable(name, config.get(name))
        or _comparable(name, config.get(name)) == _comparable(name, defaults[name])
    ]


def refusal(config: Mapping[str, Any], defaults: Mapping[str, Any]) -> str | None:
    """Why this configuration must not serve anybody, or None."""
    if not serves_people(config):
        return None
    left = defaults_left(config, defaults)
    if not left:
        return None
    meanings = dict(REQUIRED_IN_PRODUCTION)
    lines = [f"  PORTAL_{name}: {meanings[name]}" for name in left]
    return (
        "Refusing to start: with a server database or HTTPS, these settings must be set to the "
        "real values (their defaults are fictional or local):\n" + "\n".join(lines)
    )


def check(config: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
    """Raise SettingsRefused if a production set-up still has a default that people would see."""
    problem = refusal(config, defaults)
    if problem:
        raise SettingsRefused(problem)


def instance_folder_named(instance_path: str) -> bool:
    """True when keys may be generated into this folder: the operator named it
    (PORTAL_INSTANCE_PATH), or it is a checkout's own instance/ (make run). The folder Flask picks
    for an installed package lies inside the Python environment, which a rebuild throws away."""
    if os.environ.get("PORTAL_INSTANCE_PATH"):
        return True
    return not Path(instance_path).resolve().is_relative_to(Path(sys.prefix).resolve())


def refuse_unnamed_instance(instance_path: str, wanted: str) -> None:
    """Stop before anything is generated or stored inside the Python environment."""
    if instance_folder_named(instance_path):
        return
    keys = ", ".join(f"PORTAL_{name}" for name in KEY_SETTINGS)
    raise SettingsRefused(
        f"Refusing to start: {wanted} would go into {instance_path}, inside the Python "
        "environment, and be lost when it is rebuilt. Name a folder that is kept with "
        f"PORTAL_INSTANCE_PATH, or give the keys ({keys}) and PORTAL_DATABASE_URL."
    )
