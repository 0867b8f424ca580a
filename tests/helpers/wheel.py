"""The portal's wheel, built from this working tree as a release would be, and fresh environments
that hold it with the test environment's own dependencies (no network needed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What a release archive holds: the build files and the folders the wheel is made of.
SOURCE = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
FOLDERS = ("portal", "templates", "translations", "staff_translations", "migrations")


def build_wheel(work: Path) -> Path:
    """Build the wheel from a copy of the sources, so the checkout's build/ stays out of it."""
    src = work / "src"
    src.mkdir(parents=True)
    for name in SOURCE:
        shutil.copy2(ROOT / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in FOLDERS:
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    dist = work / "dist"
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(dist), str(src)],
        check=True,
        cwd=work,
    )
    shutil.rmtree(src)
    [wheel] = dist.glob("*.whl")
    return wheel


def dependencies_folder() -> str:
    """Where this test environment keeps the portal's dependencies."""
    return sysconfig.get_paths()["purelib"]


def link_dependencies(python: Path) -> None:
    """Let an environment that holds only the wheel import the test environment's dependencies.

    A plain path line: the dependencies' folder joins sys.path after the environment's own, and
    its .pth files (among them the checkout's editable install) are not read.
    """
    site = subprocess.run(  # noqa: S603
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(dependencies_folder() + "\n")


def fresh_venv(work: Path, wheel: Path) -> Path:
    """A new environment holding only the wheel; its dependencies come from the test's own."""
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)  # noqa: S603
    python = venv / "bin" / "python"
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps"]
        + [str(wheel)],
        check=True,
        cwd=work,
    )
    link_dependencies(python)
    return python
