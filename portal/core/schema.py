"""The database schema: Alembic migrations applied to the current app's database.

Alembic (with Mako and Pygments behind it) is imported when a migration runs, not when the app
starts: every `flask --app portal …` command would pay for it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import make_url

from portal.core.resources import resource

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = resource("migrations")


def alembic_config() -> AlembicConfig:
    """Alembic set up for the current app's database."""
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = current_app.config["DATABASE_URL"]
    return cfg


def upgrade_database() -> None:
    """Bring the schema to the latest migration; data already there is kept."""
    from alembic import command as alembic_command

    alembic_command.upgrade(alembic_config(), "head")
    _restrict_sqlite_file(current_app.config["DATABASE_URL"])


def _restrict_sqlite_file(url: str) -> None:
    """The embedded database holds encrypted personal data: readable by its owner only."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return
    for suffix in ("", "-wal", "-shm"):
        path = Path(parsed.database + suffix)
        if path.exists() and os.access(path, os.W_OK):
            path.chmod(0o600)
