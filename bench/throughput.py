"""Requests per second of the form page and of a submission under gunicorn, as ratios to a bare
Flask endpoint served the same way in the same run, beside those of a trivial Flask-WTF form
(bench/reference_app.py). Prints figures; not a test.

    .venv/bin/python bench/throughput.py [--seconds 5] [--rounds 3] [--database-url postgresql+psycopg://…]

Loopback only; each load run is bounded in time (wrk when installed, else a Python client).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

# Run from any directory: the repository comes first on the import path, then the test suite's
# helpers, whose stand-ins for a server set-up's settings and keys a bench names as a test does.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))

from helpers.settings import PRODUCTION_SETTINGS, keys_env, production_env

from bench import reference_app
from portal import create_app
from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.core.config import new_keys
from portal.core.schema import upgrade_database
from portal.models import CallbackRequest

# The design's budgets: the form page against the bare endpoint, a submission against the
# yardstick's (a trivial Flask-WTF form committing one INSERT), both in the same run.
BUDGET_PAGE = 0.4
BUDGET_SUBMIT_OF_YARDSTICK = 0.5
CONNECTIONS = 8
# Requests answered in the last load run, to compare with the requests stored.
LAST_RUN: dict[str, int] = {"answered": 0, "post_runs": 0}
# Phone numbers 06 10 00 00 00 and up; each POST run takes the next block of this many.
FIRST_NUMBER = 10_000_000
NUMBERS_PER_RUN = 4_000_000
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

# Each request sends a new phone number (new in every run too), so that every submission is a
# real insert of a first request.
WRK_POST_SCRIPT = """
local made = 0
function setup(thread)
  made = made + 1
  thread:set("offset", made * 1000000)
end
counter = 0
request = function()
  counter = counter + 1
  local phone = string.format("06%%08d", %(first)d + offset + counter)
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "%(cookie)s",
  }, "%(body)s&phone=" .. phone)
end
"""


def bare_app() -> Flask:
    """The reference: a Flask endpoint that does nothing, served by the same gunicorn setup."""
    app = Flask("bare")

    @app.get("/")
    def index() -> str:
        return "ok"

    return app


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app_spec: str, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """gunicorn with the repository's settings, 2 workers, on a free loopback port."""
    port = free_port()
    full_env = {
        **os.environ,
        **production_env(),
        **env,
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "PORTAL_WORKERS": "2",
    }
    # Throughput, not limits, is measured: two workers may count apart in memory.
    full_env["PORTAL_ALLOW_PER_PROCESS_LIMITS"] = "true"
    # A steady state: the configuration recycles a worker every few thousand requests, which
    # would land inside the runs and cost the bare endpoint, with its far higher rate, the most.
    full_env["GUNICORN_CMD_ARGS"] = "--max-requests 0"
    full_env["PYTHONPATH"] = str(ROOT)
    args = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--no-control-socket"]
    proc = subprocess.Popen(  # noqa: S603
        [*args, app_spec],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            fetch(port, "GET", "/", {})
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"{app_spec} did not start")


def fetch(port: int, method: str, path: str, headers: dict[str, str], body: str = "") -> tuple:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        conn.close()


def form_session(port: int, path: str) -> tuple[str, str]:
    """A cookie and CSRF token, taken beforehand, as one visitor's browser holds them."""
    _status, headers, page = fetch(port, "GET", path, {})
    cookie = dict((k.lower(), v) for k, v in headers)["set-cookie"].split(";", 1)[0]
    found = CSRF_RE.search(page)
    if not found:
        raise RuntimeError("no CSRF token on the form")
    return cookie, found.group(1)


def form_body(token: str) -> str:
    fields = [
        ("csrf_token", token),
        ("name", "Bench"),
        ("windows", "10:00-12:00"),
        ("call_language", "fr"),
        ("danger", "no"),
        ("consent", "y"),
        ("station", "st-etienne"),
    ]
    return urllib.parse.urlencode(fields)


def run_wrk(port: int, path: str, seconds: int, script: str | None = None) -> float:
    """Requests per second from wrk; non-2xx/3xx answers count as failures and stop the run."""
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
            args += ["-s", lua.name]
    out = subprocess.run(  # noqa: S603
        [*args, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    os.unlink(lua.name)
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"error answers during the run:\n{out}")
    LAST_RUN["answered"] = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def run_python(
    port: int, path: str, seconds: int, body: str | None, cookie: str, first: int
) -> float:
    """A bounded Python load generator, when wrk is not installed."""
    deadline = time.monotonic() + seconds
    counts = [0] * CONNECTIONS
    failures: list[int] = []

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = 0
        while time.monotonic() < deadline:
            n += 1
            headers = {"Cookie": cookie}
            payload = None
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                payload = f"{body}&phone=06{first + slot * 100_000 + n:08d}"
            conn.request("POST" if payload else "GET", path, body=payload, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                failures.append(response.status)
            counts[slot] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    if failures:
        raise RuntimeError(f"error answers during the run: {failures[:5]}")
    LAST_RUN["answered"] = sum(counts)
    return sum(counts) / seconds


def measure(port: int, path: str, seconds: int, post: tuple[str, str] | None = None) -> float:
    cookie, body = (post or ("", None))[0], (post or ("", None))[1]
    first = FIRST_NUMBER
    if body is not None:
        first += LAST_RUN["post_runs"] * NUMBERS_PER_RUN
        LAST_RUN["post_runs"] += 1
    if shutil.which("wrk"):
        script = None
        if body is not None:
            script = WRK_POST_SCRIPT % {
                "path": path,
                "body": body,
                "cookie": cookie,
                "first": first,
            }
        return run_wrk(port, path, seconds, script)
    return run_python(port, path, seconds, body, cookie, first)


def prepare_database(url: str, keys: dict) -> Flask:
    app = create_app({"DATABASE_URL": url, **keys, **PRODUCTION_SETTINGS})
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        db.session().commit()
    engine = reference_app.database(url)
    reference_app.metadata.create_all(engine)
    engine.dispose()
    return app


def stored_requests(app: Flask) -> int:
    with app.app_context():
        count = db.session().query(CallbackRequest).count()
        db.session().close()
        return count


def portal_env(url: str, keys: dict) -> dict[str, str]:
    return {
        "PORTAL_DATABASE_URL": url,
        **keys_env(keys),
        "PORTAL_MIN_FILL_SECONDS": "0",
        "PORTAL_SUBMIT_LIMITS": "1000000 per minute",
        "PORTAL_UNKNOWN_RATE": "1000000 per minute",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each load run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of the five runs; the median is kept"
    )
    parser.add_argument(
        "--database-url", default="", help="an empty scratch database; SQLite when unset"
    )
    args = parser.parse_args()
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds: from 1 to 20")
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        keys = new_keys()
        app = prepare_database(url, keys)
        bare, bare_port = start_gunicorn("bench.throughput:bare_app()", {})
        portal, portal_port = start_gunicorn("portal:create_app()", portal_env(url, keys))
        reference, reference_port = start_gunicorn(
            "bench.reference_app:create_app()", {"BENCH_REFERENCE_DATABASE_URL": url}
        )
        try:
            for port, path in ((bare_port, "/"), (portal_port, "/fr/"), (reference_port, "/")):
                measure(port, path, 1)
            cookie, token = form_session(portal_port, "/fr/")
            reference_cookie, reference_token = form_session(reference_port, "/")
            reference_body = f"csrf_token={reference_token}&name=Bench"
            # The runs follow each other closely and are repeated, so that a machine slowing
            # down or speeding up between them does not decide the ratios.
            for _ in range(args.rounds):
                bare_rps = measure(bare_port, "/", args.seconds)
                page_rps = measure(portal_port, "/fr/", args.seconds)
                before = stored_requests(app)
                submit_rps = measure(portal_port, "/fr/", args.seconds, (cookie, form_body(token)))
                stored = stored_requests(app) - before
                answered = LAST_RUN["answered"]
                reference_page = measure(reference_port, "/", args.seconds)
                reference_submit = measure(
                    reference_port, "/", args.seconds, (reference_cookie, reference_body)
                )
                rounds.append(
                    Round(
                        bare_rps,
                        page_rps,
                        submit_rps,
                        answered,
                        stored,
                        reference_page,
                        reference_submit,
                    )
                )
        finally:
            for proc in (bare, portal, reference):
                proc.terminate()
                proc.wait(timeout=20)
    return report(url, rounds, args.seconds)


@dataclass(frozen=True)
class Round:
    bare: float
    page: float
    submit: float
    answered: int
    stored: int
    reference_page: float
    reference_submit: float


def report(url: str, rounds: list[Round], seconds: int) -> int:
    """Print each round, the median ratios, and whether they meet the budgets."""
    engine = url.split(":", 1)[0]
    tool = "wrk" if shutil.which("wrk") else "python"
    print(
        f"gunicorn, 2 sync workers, {CONNECTIONS} connections, {len(rounds)} rounds of 5 runs "
        f"of {seconds} s, {tool}, {engine}"
    )
    print(
        f"{'round':6}{'bare req/s':>12}{'GET /fr/':>10}{'ratio':>7}{'POST /fr/':>11}{'ratio':>7}"
        f"{'confirmed':>11}{'stored':>8}"
    )
    for number, r in enumerate(rounds, 1):
        print(
            f"{number:<6}{r.bare:12.1f}{r.page:10.1f}{r.page / r.bare:7.3f}{r.submit:11.1f}"
            f"{r.submit / r.bare:7.3f}{r.answered:11}{r.stored:8}"
        )
    page = statistics.median(r.page / r.bare for r in rounds)
    submit = statistics.median(r.submit / r.bare for r in rounds)
    # The yardstick: the same ratios for a trivial Flask-WTF form and its one-INSERT submission.
    trivial_page = statistics.median(r.reference_page / r.bare for r in rounds)
    trivial_submit = statistics.median(r.reference_submit / r.bare for r in rounds)
    of_yardstick = statistics.median(r.submit / r.reference_submit for r in rounds)
    print(f"median ratio, form page: {page:.3f}  budget >= {BUDGET_PAGE}")
    print(f"median ratio, submission: {submit:.3f}")
    print(f"median ratio, trivial Flask-WTF form page: {trivial_page:.3f}")
    print(f"median ratio, trivial submission (one INSERT, committed): {trivial_submit:.3f}")
    print(
        f"submission against the trivial one: {of_yardstick:.3f}"
        f"  budget >= {BUDGET_SUBMIT_OF_YARDSTICK}"
    )
    # wrk counts answers received; a request in flight when a run stops may be stored unanswered.
    lost = sum(max(r.answered - r.stored, 0) for r in rounds)
    print(f"confirmed but not stored: {lost}")
    within = page >= BUDGET_PAGE and of_yardstick >= BUDGET_SUBMIT_OF_YARDSTICK and lost == 0
    print("within budget" if within else "OVER BUDGET")
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
