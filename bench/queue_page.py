"""How long the social workers' queue page takes with 1,000 and with 100,000 requests stored.

Budget: the 100,000 figure at most twice the 1,000 figure. Prints figures; not a test.

    .venv/bin/python bench/queue_page.py [--runs 15] [--explain]

SQLite always (temporary files); PostgreSQL too when PORTAL_BENCH_DATABASE_URL names a database
(the schemas bench_small and bench_large are dropped and made again in it). The two sizes live in
two databases and are measured in turns, so that the load of the machine weighs on both alike.
Two mixes: most requests closed with a tenth open, and everything open (a large backlog).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file shares its name with the standard library's queue module, which the PostgreSQL driver
# imports: keep this folder off the import path, and put the repository on it.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))  # the test suite's stand-ins for a server set-up

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pyotp  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from helpers.settings import PRODUCTION_SETTINGS  # noqa: E402
from sqlalchemy import create_engine, event, insert, text  # noqa: E402

from portal import create_app
from portal.casework.windows import SLOTS, window_mask  # noqa: E402
from portal.cli.demo_data import create_demo_stations  # noqa: E402
from portal.core import crypto, db  # noqa: E402
from portal.core.config import new_keys  # noqa: E402
from portal.core.schema import upgrade_database  # noqa: E402
from portal.models import CallbackRequest, Station, utcnow  # noqa: E402
from portal.staff import accounts, auth

BUDGET = 2.0
SIZES = (1_000, 100_000)
MIXES = {"10% open": 0.10, "all open": 1.0}
BATCH = 5_000
PASSWORD = "une phrase calme pour mesurer la file"  # noqa: S105  (a throw-away database)
CSRF_RE = re.compile(
    r'name="csrf_token" value="([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"'
)
OUTCOMES = ("accompanied", "oriented", "unreachable", "cancelled", "spam")
LANGUAGES = ("fr", "fr", "fr", "ar", "en", "tr", "pt")


def build_app(url: str) -> Flask:
    config = {
        "DATABASE_URL": url,
        "RATELIMIT_STORAGE_URI": "memory://",
        **new_keys(),
        **PRODUCTION_SETTINGS,
    }
    app = create_app(config)
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        db.session().commit()
    return app


def request_rows(
    count: int, open_share: float, station_ids: list[int], rng: random.Random
) -> Iterator[dict[str, Any]]:
    """Requests as they accumulate over two years: most closed, the open ones more recent."""
    now = utcnow()
    phone = crypto.encrypt("+33600000000")  # the queue never decrypts; one value is enough
    for _ in range(count):
        is_open = rng.random() < open_share
        age = dt.timedelta(days=rng.uniform(0, 60 if is_open and open_share < 1 else 730))
        windows = sorted(rng.sample(SLOTS, rng.randint(1, 3)), key=SLOTS.index)
        status = rng.choice(("new", "in_progress")) if is_open else "closed"
        yield {
            "reference": "R" + secrets.token_hex(6).upper(),
            "station_id": rng.choice(station_ids) if rng.random() > 0.03 else None,
            "source": "referral" if rng.random() < 0.2 else "self",
            "created_at": now - age,
            "status": status,
            "urgent": rng.random() < 0.08,
            "safe_windows": windows,
            "window_mask": window_mask(windows),
            "call_language": rng.choice(LANGUAGES),
            "page_language": "fr",
            "phone_enc": phone,
            "phone_index": secrets.token_hex(32),
            "version": 1,
            "attempt_count": 0 if status == "new" else rng.randint(1, 3),
            "closed_at": None if is_open else now - age + dt.timedelta(days=rng.uniform(0, 10)),
            "outcome": None if is_open else rng.choice(OUTCOMES),
        }


def add_requests(app: Flask, count: int, open_share: float, rng: random.Random) -> None:
    """Bulk inserts, a few thousand rows per statement."""
    with app.app_context():
        session = db.session()
        station_ids = [s.id for s in session.query(Station)]
        batch: list[dict[str, Any]] = []
        for row in request_rows(count, open_share, station_ids, rng):
            batch.append(row)
            if len(batch) == BATCH:
                session.execute(insert(CallbackRequest), batch)
                batch = []
        if batch:
            session.execute(insert(CallbackRequest), batch)
        session.commit()
        session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would give
        session.commit()


def logged_in_worker(app: Flask) -> FlaskClient:
    """A social worker covering every station, logged in through the form."""
    secret = auth.new_totp_secret()
    with app.app_context():
        codes = [s.code for s in db.session().query(Station)]
        user = accounts.create_user(f"bench-{secrets.token_hex(3)}", "intervenant", codes)
        user.password_hash = auth.hash_password(PASSWORD)
        user.totp_secret_enc = crypto.encrypt(secret)
        db.session().commit()
        username = user.username
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/staff/login").get_data(as_text=True)
    token = next(g for g in CSRF_RE.search(page).groups() if g)  # type: ignore[union-attr]
    data = {
        "username": username,
        "password": PASSWORD,
        "code": pyotp.TOTP(secret).now(),
        "csrf_token": token,
    }
    response = client.post("/staff/login", data=data)
    if response.status_code != 303:
        raise RuntimeError(f"login refused ({response.status_code})")
    return client


def explain(app: Flask) -> None:
    """Print the plans of the queue's statements, for the figures that miss the budget."""
    statements: list[tuple[str, Any]] = []
    with app.app_context():
        engine = db.engine()

        def keep(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "callback_request" in statement:
                statements.append((statement, params))

        event.listen(engine, "before_cursor_execute", keep)
    client = logged_in_worker(app)
    statements.clear()
    client.get("/staff/")
    with app.app_context():
        event.remove(db.engine(), "before_cursor_execute", keep)
        prefix = (
            "EXPLAIN QUERY PLAN "
            if app.config["DATABASE_URL"].startswith("sqlite")
            else ("EXPLAIN (ANALYZE, BUFFERS) ")
        )
        for statement, params in statements:
            raw = db.engine().raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute(prefix + statement, params)
                plan = "\n    ".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
            finally:
                raw.close()
            print(f"  {' '.join(statement.split())[:160]}…\n    {plan}")


def database_pair(url: str, tmp: Path) -> tuple[str, str]:
    """Two databases for the two sizes, so that both are measured in the same moments."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            for schema in ("bench_small", "bench_large"):
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        joiner = "&" if "?" in url else "?"
        return tuple(  # type: ignore[return-value]
            f"{url}{joiner}options=-csearch_path%3D{schema}"
            for schema in ("bench_small", "bench_large")
        )
    return f"sqlite:///{tmp / 'small.sqlite3'}", f"sqlite:///{tmp / 'large.sqlite3'}"


def interleaved_medians(
    clients: list[FlaskClient], runs: int, path: str = "/staff/"
) -> list[float]:
    """Median time of each client's page, taken in turns so that the machine's load is shared."""
    timings: list[list[float]] = [[] for _ in clients]
    for _ in range(3):  # warm caches and the connection pools
        for client in clients:
            client.get(path)
    for _ in range(runs):
        for index, client in enumerate(clients):
            start = time.perf_counter()
            response = client.get(path)
            timings[index].append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}")
    return [statistics.median(t) for t in timings]


def measure(url: str, label: str, runs: int, show_plans: bool, tmp: Path) -> list[float]:
    """For each mix, the ratio of the page's median time at 100,000 to that at 1,000."""
    ratios = []
    for mix, share in MIXES.items():
        apps = []
        for size, sized_url in zip(SIZES, database_pair(url, tmp), strict=True):
            if sized_url.startswith("sqlite"):
                Path(sized_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            app = build_app(sized_url)
            started = time.perf_counter()
            add_requests(app, size, share, random.Random(size))  # noqa: S311
            print(
                f"{label:10} {mix:9} {size:>7,} requests inserted in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            apps.append(app)
        clients = [logged_in_worker(app) for app in apps]
        small, large = interleaved_medians(clients, runs)
        ratio = large / small
        verdict = "within budget" if ratio <= BUDGET else "OVER BUDGET"
        print(
            f"{label:10} {mix:9}   1,000: {small:6.1f} ms   100,000: {large:6.1f} ms   "
            f"ratio {ratio:.2f} ({verdict}, budget {BUDGET}; medians of {runs})"
        )
        if show_plans:
            explain(apps[1])
        for app in apps:
            with app.app_context():
                db.engine().dispose()
        ratios.append(ratio)
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--explain", action="store_true", help="print the query plans at 100,000")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one backend only")
    args = parser.parse_args()
    ratios: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", "sqlite://")]
        if os.environ.get("PORTAL_BENCH_DATABASE_URL"):
            targets.append(("PostgreSQL", os.environ["PORTAL_BENCH_DATABASE_URL"]))
        for label, url in targets:
            if args.only and not url.startswith(args.only):
                continue
            ratios += measure(url, label, args.runs, args.explain, Path(tmp))
    return 1 if any(r > BUDGET for r in ratios) else 0


if __name__ == "__main__":
    sys.exit(main())
