"""Commands for operators: `flask --app portal <command>`, one module per concern.

Each command runs in an app context and commits once, at its end, what the domain functions
it calls have changed.
"""

from __future__ import annotations

from flask import Flask

from portal.cli import (
    accounts,
    audit,
    cards,
    database,
    demo,
    directory,
    error_pages,
    keys,
    notices,
    reports,
    retention,
    stations,
)

MODULES = (
    database,
    demo,
    accounts,
    audit,
    stations,
    cards,
    reports,
    retention,
    keys,
    directory,
    notices,
    error_pages,
)


def init_app(app: Flask) -> None:
    for module in MODULES:
        for command in module.COMMANDS:
            app.cli.add_command(command)
