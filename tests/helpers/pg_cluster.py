"""A throw-away PostgreSQL cluster of the tests' own (initdb and pg_ctl on a free loopback port,
under a temporary folder), for what a shared server cannot be asked: archiving on, restarts,
restores over its data directory, roles of any name."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from .production import free_port

# The cluster runs as this user when the tests run as root (PostgreSQL refuses root).
CLUSTER_OWNER = "postgres"


def postgres_bin() -> Path:
    """The folder of the server's programs (Debian keeps them apart, one folder per version)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        pytest.fail("PostgreSQL's server programs are needed (apt-get install postgresql)")
    return versions[-1].parent


def as_owner(args: Sequence[str]) -> list[str]:
    """The command as the cluster's owner: itself, unless we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", CLUSTER_OWNER, "--", *args]
    return list(args)


def give_to_owner(path: Path) -> None:
    """Let the cluster's owner use a folder the tests made."""
    if os.geteuid() == 0:
        shutil.chown(path, CLUSTER_OWNER, CLUSTER_OWNER)


class Cluster:
    """One PostgreSQL server on 127.0.0.1 and a free port, its data directory where we say."""

    def __init__(self, data: Path, port: int | None = None) -> None:
        self.data = data
        self.port = port or free_port()
        self.bin = postgres_bin()
        self.log = data.parent / f"{data.name}.log"

    def run(self, program: str, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(  # noqa: S603
            as_owner([str(self.bin / program), *args]),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{program} failed: {done.stdout[-800:]}{done.stderr[-800:]}"
        return done.stdout

    def init(self, *settings: str) -> Cluster:
        """A new cluster (1 MB WAL segments keep archiving drills small), then our settings."""
        self.data.parent.mkdir(parents=True, exist_ok=True)
        give_to_owner(self.data.parent)
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--wal-segsize=1")
        self.configure(
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.data.parent}'",
            "fsync = off",
            *settings,
        )
        return self

    def configure(self, *lines: str) -> None:
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(lines) + "\n")

    def start(self) -> None:
        self.log.touch()
        give_to_owner(self.log)
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        status = subprocess.run(  # noqa: S603
            as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]),
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def sql(self, query: str, database: str = "postgres") -> str:
        done = subprocess.run(  # noqa: S603
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database]
            + ["-v", "ON_ERROR_STOP=1", "-qAtc", query],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def wait_until_promoted(self, timeout: float = 60) -> None:
        """After a restore: wait until recovery reached its target and the server accepts writes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.sql("SELECT pg_is_in_recovery()") == "f":
                    return
            except AssertionError:
                pass  # still starting
            time.sleep(0.2)
        raise AssertionError(f"recovery did not end: {self.log.read_text()[-1500:]}")

    def url(self, database: str, user: str = "postgres", password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql+psycopg://{user}{secret}@127.0.0.1:{self.port}/{database}"
