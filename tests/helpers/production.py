"""Real processes for the production tests: scratch PostgreSQL databases, gunicorn, a cuttable TCP
proxy and a small HTTP client that fills in the form as a browser would. Loopback only."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .web import CSRF_RE as CSRF_RE

ROOT = Path(__file__).resolve().parents[2]
HTTP_TIMEOUT = 30.0
WORKER_ID = re.compile(r'"GET /healthz" \d+ \S+ \S+ <(\d+)>')


def admin_url(database_url: str) -> str:
    """The same server, on its maintenance database, to create and drop scratch databases."""
    return make_url(database_url).set(database="postgres").render_as_string(hide_password=False)


@contextmanager
def scratch_postgres(database_url: str, prefix: str = "portal_prod_") -> Iterator[str]:
    """A fresh, empty database of our own on the test server, dropped afterwards."""
    name = f"{prefix}{secrets.token_hex(4)}"
    engine = create_engine(admin_url(database_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class Gunicorn:
    """gunicorn serving the portal from this working tree, with the repository's settings."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.env = {**os.environ, **env, "PORTAL_BIND": f"127.0.0.1:{self.port}"}
        self.workers = workers
        # When set, gunicorn.conf.py chooses the number of workers (--workers is not passed).
        self.default_workers = False
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: float = 30.0) -> Gunicorn:
        """Start and wait until the workers answer."""
        args = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--no-control-socket"]
        if not self.default_workers:
            args += ["--workers", str(self.workers)]
        args.append("portal:create_app()")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            if len(self.workers_that_answered()) >= self.workers:
                return self
            self._knock()
        self.stop()
        raise RuntimeError("gunicorn's workers did not all answer in time")

    def _knock(self) -> None:
        """Concurrent health checks, so that every worker gets one once it is up."""

        def one() -> None:
            try:
                get(self.port, "/healthz", timeout=5)
            except OSError:
                time.sleep(0.2)

        threads = [threading.Thread(target=one) for _ in range(2 * self.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)

    def workers_that_answered(self) -> set[str]:
        """Worker ids in the access log, which ends each line with "<pid>"."""
        if not self.log_path.exists():
            return set()
        return set(WORKER_ID.findall(self.log_path.read_text(errors="replace")))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Answer:
    status: int
    location: str
    body: str
    headers: dict[str, str]


def request(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = HTTP_TIMEOUT,
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read().decode("utf-8", errors="replace")
        found = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, found.get("location", ""), data, found)
    finally:
        conn.close()


def get(port: int, path: str, timeout: float = HTTP_TIMEOUT, **headers: str) -> Answer:
    return request(port, "GET", path, headers=headers, timeout=timeout)


class FormVisitor:
    """One person's browser: loads the form for its cookie and token, then sends it."""

    def __init__(self, port: int, path: str = "/fr/") -> None:
        self.port = port
        self.path = path
        self.cookie = ""
        self.token = ""

    def load(self) -> Answer:
        answer = get(self.port, self.path)
        if answer.status == 200:
            self.cookie = answer.headers.get("set-cookie", "").split(";", 1)[0]
            found = CSRF_RE.search(answer.body)
            self.token = found.group(1) if found else ""
        return answer

    def send(
        self, phone: str, extra_headers: dict[str, str] | None = None, name: str = "Sam"
    ) -> Answer:
        fields = [
            ("csrf_token", self.token),
            ("phone", phone),
            ("name", name),
            ("windows", "10:00-12:00"),
            ("windows", "14:00-17:00"),
            ("call_language", "fr"),
            ("danger", "no"),
            ("consent", "y"),
            ("station", "st-etienne"),
        ]
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": self.cookie,
            **(extra_headers or {}),
        }
        body = urllib.parse.urlencode(fields)
        return request(self.port, "POST", self.path, body=body, headers=headers)


def confirmed(answer: Answer) -> bool:
    """The confirmation a person sees: a 303 to the "sent" page."""
    return answer.status == 303 and urllib.parse.urlsplit(answer.location).path == "/fr/sent"


def clear_error_page(answer: Answer, status: int) -> bool:
    """A full page in the person's language with the emergency numbers, not a bare error."""
    return (
        answer.status == status
        and answer.headers.get("content-type", "").startswith("text/html")
        and 'href="tel:112"' in answer.body
    )


def phone_for(index: int) -> str:
    """A distinct, valid French mobile number per client."""
    return f"06{10_000_000 + index:08d}"


class TcpProxy:
    """A loopback TCP relay between the app and PostgreSQL that can be cut and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.closing = False
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> TcpProxy:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.closing = True
        self.cut()
        self.listener.close()
        self.thread.join(timeout=5)

    def cut(self) -> None:
        """Close every relayed connection and refuse new ones, as a network failure would."""
        self.open = False
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                _close(sock)

    def restore(self) -> None:
        self.open = True

    def _accept_loop(self) -> None:
        self.listener.settimeout(0.2)
        while not self.closing:
            try:
                client, _addr = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.open:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=_relay, args=(client, upstream), daemon=True).start()


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _relay(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    a.settimeout(None)
    b.settimeout(None)
    try:
        while True:
            ready, _w, _x = select.select([a, b], [], [], 1.0)
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                (b if sock is a else a).sendall(data)
    except (OSError, ValueError):
        return
    finally:
        _close(a)
        _close(b)
