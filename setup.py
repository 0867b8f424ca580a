"""Build hook: the wheel carries the top-level data folders under `portal/`, catalogues compiled.

The source keeps `templates/`, `translations/`, `staff_translations/` and `migrations/` at the top
level; `package_dir` maps them into the package, and `build_py` compiles each `.po` catalogue into
the `.mo` file the running portal reads (compiled files are not kept in the repository).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

CATALOGUES = ("translations", "staff_translations")
DATA = {
    "portal.templates": ("templates", ["**/*.html"]),
    "portal.translations": ("translations", ["*/LC_MESSAGES/*.mo"]),
    "portal.staff_translations": ("staff_translations", ["*/LC_MESSAGES/*.mo"]),
    "portal.migrations": ("migrations", ["script.py.mako", "versions/*.py"]),
}


class BuildWithCatalogues(build_py):
    """The usual build, then every catalogue compiled into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own folders
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for folder in CATALOGUES:
            for po in sorted(Path(folder).glob("*/LC_MESSAGES/messages.po")):
                target = Path(self.build_lib, "portal", po.with_suffix(".mo"))
                target.parent.mkdir(parents=True, exist_ok=True)
                with po.open("rb") as source:
                    catalogue = read_po(source)
                with target.open("wb") as out:
                    write_mo(out, catalogue)


setup(
    packages=find_packages(include=["portal", "portal.*"]) + list(DATA),
    package_dir={"": ".", **{name: folder for name, (folder, _) in DATA.items()}},
    package_data={
        "portal": ["static/*", "public/*.csv", "public/*.toml"],
        **{name: patterns for name, (_, patterns) in DATA.items()},
    },
    cmdclass={"build_py": BuildWithCatalogues},
)
