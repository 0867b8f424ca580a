"""Commands for operators: `flask --app portal <command>`, one module per concern.

Each command runs in an app context and commits once, at its end, what the domain functions
it calls have changed.

The list below names each command, its module and its summary, so that `flask --app portal
--help` shows them without importing the database layer; a command's module is imported when
it is run or asked for its own help (a test checks the summaries against the commands).
"""

from __future__ import annotations

import importlib
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo

from portal.core.application import PortalApp

# name: (module under portal.cli, summary as the command's docstring begins)
COMMANDS: dict[str, tuple[str, str]] = {
    "init-db": ("database", "Create or upgrade the database schema (keeps existing data)."),
    "demo": (
        "demo",
        "Add demo stations, card batches and staff accounts, and print how to try the portal.",
    ),
    "demo-code": ("demo", "Print the current TOTP code of a demo account (demo accounts only)."),
    "create-user": (
        "accounts",
        "Create a staff account and print its one-time invitation link (and e-mail it).",
    ),
    "unlock-user": (
        "accounts",
        "Lift the sign-in locks on an account (the last coordinator's, when nobody else can).",
    ),
    "audit-verify": ("audit", "Check the audit log's hash chain; report the first broken link."),
    "station-add": ("stations", "Add a station, open at once."),
    "station-edit": (
        "stations",
        "Change a station's details; options left out keep their value.",
    ),
    "station-close": (
        "stations",
        "Close a station: its open requests go to the coordinator; its cards reach her.",
    ),
    "station-list": ("stations", "Every station as JSON (no personal data), open ones first."),
    "card-link": (
        "cards",
        "Print the address to print on a station's business cards (its current batch).",
    ),
    "card-batch": (
        "cards",
        "Make a new batch of cards for a station; print its short link, write its PDF.",
    ),
    "card-revoke": (
        "cards",
        "Revoke a batch by its printed code: its cards then reach the coordinator.",
    ),
    "stats": (
        "reports",
        "Print requests per station and status as JSON, with no personal data.",
    ),
    "purge": (
        "retention",
        "Erase personal data of requests closed longer ago than the retention period.",
    ),
    "rotate-keys": (
        "keys",
        "Rotate the data keys: re-encrypt every encrypted field under a new key.",
    ),
    "directory-import": (
        "directory",
        "Import directory entries from CSV or JSON: all of them, or none if a row is bad.",
    ),
    "directory-export": (
        "directory",
        "Export every directory entry, hidden ones included, sorted by identifier.",
    ),
    "send-notices": (
        "notices",
        "Send the notices that are due; a failed one is tried again later.",
    ),
    "error-pages": (
        "error_pages",
        "Write nginx's error pages (413, 429, 502, 503, 504) in every public language.",
    ),
}


def load(name: str) -> click.Command:
    """The command itself, from its module."""
    module = importlib.import_module(f"portal.cli.{COMMANDS[name][0]}")
    found: tuple[click.Command, ...] = module.COMMANDS
    return next(command for command in found if command.name == name)


class ListedCommand(click.Command):
    """A command known by its name and summary until it is run, or asked for its help."""

    def __init__(self, name: str, summary: str) -> None:
        super().__init__(name, help=summary)
        self.listed_name = name

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        _attach_whole_app(parent)
        return load(self.listed_name).make_context(info_name, args, parent=parent, **extra)


def _attach_whole_app(parent: click.Context | None) -> None:
    info = parent.find_object(ScriptInfo) if parent is not None else None
    app = info.load_app() if info is not None else current_app._get_current_object()  # type: ignore[attr-defined]
    if isinstance(app, PortalApp):
        app.attach_now()


def init_app(app: Flask) -> None:
    for name, (_module, summary) in COMMANDS.items():
        app.cli.add_command(ListedCommand(name, summary))
