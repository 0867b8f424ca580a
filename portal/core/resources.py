"""Where the data folders live: inside the installed package, or at a checkout's top level."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def resource(name: str) -> Path:
    """The folder `name` (templates, translations, staff_translations, migrations) of this portal.

    A wheel carries them under `portal/`; a checkout (and an editable install) keeps them beside
    the package, so the source layout stays the one people know.
    """
    installed = PACKAGE / name
    return installed if installed.is_dir() else PACKAGE.parent / name
