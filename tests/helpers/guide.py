"""The deployment guide's own commands, run as written on this machine: the blocks of a Markdown
page in order, a sandbox folder standing for the servers' /etc, /srv, /var and /usr/local, and small
stand-ins for the parts of a server a test cannot touch (systemd, useradd, sudo)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAND_INS = Path(__file__).resolve().parent / "server_stand_ins.py"

# `<!-- file: NAME -->` names the next block's file (make deploy-check reads the same markers);
# `<!-- not run: REASON -->` leaves the next shell block to the servers, with the reason said.
MARKER = re.compile(r"^<!-- (file|not run): (.+?) -->\s*$")
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
# Absolute paths of a server, moved under the sandbox: /etc/portal → SANDBOX/etc/portal.
SERVER_PATH = re.compile(r"(?<![\w.~/$])/(etc|srv|var|usr/local)(?=/)")


# pip installing the wheel with its extras: here without the network, the wheel alone, then the
# test environment's own dependencies linked in (tests/helpers/server_stand_ins.py).
OFFLINE_PIP = re.compile(r"(\S+)/bin/pip install --quiet '([^'\[]+)\[[a-z,]+\]'")


# The folders a Debian server has before anything is installed.
SKELETON = ("etc/systemd/system", "usr/local/bin", "usr/local/sbin", "var/lib", "var/log", "srv")


@dataclass(frozen=True)
class Block:
    """A fenced block of the page: a file to write, commands to run, or commands left out."""

    kind: str  # "file", "run" or "not run"
    name: str  # the file's name, or why it is not run
    language: str
    text: str
    line: int


def section(markdown: str, heading: str) -> str:
    """The text of one `## heading` section of a page."""
    found = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert found, f"no section {heading!r}"
    return found.group(1)


def blocks(markdown: str) -> list[Block]:
    """Every file block and every shell block of the page, in reading order."""
    found: list[Block] = []
    marker: tuple[str, str] | None = None
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if mark := MARKER.match(line):
            marker = (mark.group(1), mark.group(2))
        elif fence := FENCE.match(line):
            indent, language = fence.group(1), fence.group(2)
            end = lines.index(f"{indent}```", index + 1)
            body = "".join(f"{text.removeprefix(indent)}\n" for text in lines[index + 1 : end])
            if marker and marker[0] == "file":
                found.append(Block("file", marker[1], language, body, index + 1))
            elif language == "sh":
                kind, why = marker if marker else ("run", "")
                found.append(Block(kind, why, language, body, index + 1))
            marker = None
            index = end
        elif line.strip():
            marker = marker if line.startswith("<!--") else None
        index += 1
    return found


@dataclass
class Server:
    """The sandbox standing for a server: its folders, the stand-ins and what the commands said."""

    sandbox: Path
    replacements: list[tuple[str, str]]
    environment: dict[str, str]
    workdir: Path = field(init=False)
    timings: list[tuple[int, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.workdir = self.sandbox / "home" / "admin"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.stand_ins = self.sandbox / "stand-ins"
        self.stand_ins.mkdir(exist_ok=True)
        (self.sandbox / "run").mkdir(exist_ok=True)
        for folder in SKELETON:
            (self.sandbox / folder).mkdir(parents=True, exist_ok=True)
        names = ("systemctl", "systemd-run", "useradd", "sudo", "install", "journalctl")
        for name in (*names, "link-dependencies"):
            stub = self.stand_ins / name
            stub.write_text(f"#!{sys.executable}\n{STAND_INS.read_text()}")
            stub.chmod(0o755)
        # The machine's python3 is the one the test environment was made with, so that the
        # dependencies linked from it fit.
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        (self.stand_ins / "python3").symlink_to(Path(sys.base_prefix, "bin", version))

    def on_machine(self, text: str) -> str:
        """The guide's text for this machine: the agreed replacements, then the sandboxed paths."""
        for old, new in self.replacements:
            text = text.replace(old, new)
        text = OFFLINE_PIP.sub(
            r"\1/bin/pip install --quiet --no-deps --no-index '\2' && link-dependencies \1", text
        )
        return SERVER_PATH.sub(lambda m: f"{self.sandbox}/{m.group(1)}", text)

    def env(self) -> dict[str, str]:
        local = f"{self.sandbox}/usr/local/sbin:{self.sandbox}/usr/local/bin"
        path = f"{self.stand_ins}:{local}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        return {
            **self.environment,
            "PATH": path,
            "HOME": str(self.workdir),
            "LANG": "C.UTF-8",
            "SANDBOX": str(self.sandbox),
        }

    def write_file(self, block: Block) -> None:
        """A file of the page, as the administrator saves it before installing it."""
        (self.workdir / block.name).write_text(self.on_machine(block.text))

    def run(self, block: Block, timeout: float = 300) -> str:
        """One shell block as a whole, stopping at its first failing command."""
        script = self.on_machine(block.text)
        started = time.monotonic()
        done = subprocess.run(  # noqa: S603
            ["/bin/bash", "-euo", "pipefail", "-c", script],
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        self.timings.append((block.line, time.monotonic() - started))
        assert done.returncode == 0, (
            f"after {self.timings}: the block at line {block.line} failed "
            f"({done.returncode}):\n{script}\n"
            f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
        )
        return done.stdout

    def follow(self, page: list[Block]) -> Iterator[tuple[Block, str]]:
        """Write each file and run each block of the page in order, yielding what each printed."""
        for block in page:
            if block.kind == "file":
                self.write_file(block)
            elif block.kind == "run":
                yield block, self.run(block)

    def services(self) -> Path:
        return self.sandbox / "run" / "stand-ins"

    def stop_services(self) -> None:
        """Stop whatever the stand-in systemctl started (by the process ids it wrote)."""
        subprocess.run(  # noqa: S603
            [str(self.stand_ins / "systemctl"), "stop", "--all"],
            env=self.env(),
            capture_output=True,
            timeout=60,
            check=False,
        )


def sandbox_folder() -> Iterator[Path]:
    """A folder standing for the servers' root; open to the cluster's owner (PostgreSQL runs as
    `postgres`, which cannot enter pytest's own temporary folders)."""
    folder = Path(tempfile.mkdtemp(prefix="portal-guide-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def without_test_settings() -> dict[str, str]:
    """The test process's environment less what would steer the portal or Python."""
    prefixes = ("PORTAL_", "PYTHON", "VIRTUAL_ENV", "PG")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
