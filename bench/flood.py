"""A flood against the request form under gunicorn, and what people paced like people meet in it.

Kinds of sender, each from addresses of its own (through one trusted proxy, X-Forwarded-For):
bots the time trap or the honeypot catch, bots that look like people (they wait, then send the
same text), and people who take a few seconds to fill in the form: without a card, with one, and
with the proof of work the page's script solves as they type (solved here with the altcha package).
Prints, per kind, sent / confirmed / stored / in the queue / in "to check", and the people's page
and submission latency (median, p95) on a quiet server and during the flood. Not a test.

    .venv/bin/python bench/flood.py [--bots 300] [--lookalikes 100] [--people 20]
                                    [--database-url postgresql+psycopg://…] [--redis-url redis://…]

Loopback only, bounded in count and in time (--max-seconds).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from any directory: the repository comes first on the import path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "tests"))  # its stand-ins

import argparse  # noqa: E402
import base64  # noqa: E402
import html  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
from collections import Counter  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import altcha  # noqa: E402
from flask import Flask  # noqa: E402
from helpers.settings import keys_env  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.throughput import CSRF_RE, fetch, prepare_database, start_gunicorn  # noqa: E402
from portal.core import crypto, db  # noqa: E402
from portal.core.config import new_keys  # noqa: E402
from portal.models import CallbackRequest  # noqa: E402
from portal.stations.cards import card_code, current_batch  # noqa: E402
from portal.stations.registry import station_by_code  # noqa: E402

KINDS = ("caught bot", "look-alike bot", "person", "person with a card", "person with the proof")
PROOF_RE = re.compile(r'data-proof="([^"]+)"')


def solved_proof(page: str) -> str:
    """What the page's script adds to the form once it solved the challenge (ALTCHA v1)."""
    found = PROOF_RE.search(page)
    if not found:
        return ""
    task = json.loads(html.unescape(found.group(1)))
    solution = altcha.solve_challenge_v1(
        task["challenge"], task["salt"], task["algorithm"], task["maxNumber"]
    )
    if solution is None:
        return ""
    keys = ("algorithm", "challenge", "salt", "signature")
    payload = {**{k: task[k] for k in keys}, "number": solution.number}
    return base64.b64encode(json.dumps(payload).encode()).decode()


BOT_TEXT = "Offre exceptionnelle, rappelez vite"


@dataclass
class Tally:
    """What one kind of sender sent and was told, and the people's latencies."""

    sent: int = 0
    confirmed: int = 0
    refused: Counter[int] = field(default_factory=Counter)
    phones: list[str] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)


class Flood:
    """The senders, sharing one server and a lock on the tallies."""

    def __init__(self, port: int, card: str, deadline: float) -> None:
        self.port = port
        self.card = card
        self.deadline = deadline
        self.lock = threading.Lock()
        self.numbers = iter(range(10_000_000, 99_999_999, 7))
        self.tallies: dict[str, Tally] = {kind: Tally() for kind in KINDS}
        self.quiet = Tally()

    def phone(self) -> str:
        with self.lock:
            return f"06{next(self.numbers):08d}"

    def visit(
        self, kind: str, address: str, wait: float, tally: Tally | None = None, **extra: str
    ) -> None:
        """One sender; a connection that fails counts as refused (status 0)."""
        tally = tally or self.tallies[kind]
        try:
            self._visit(kind, address, wait, tally, **extra)
        except OSError:
            with self.lock:
                tally.sent += 1
                tally.refused[0] += 1

    def _visit(self, kind: str, address: str, wait: float, tally: Tally, **extra: str) -> None:
        """Load the form, wait as this sender does, send it; count what it was told."""
        if time.monotonic() + wait > self.deadline:
            return
        path = f"/fr/c/{self.card}" if kind == "person with a card" else "/fr/"
        headers = {"X-Forwarded-For": address}
        started = time.perf_counter()
        status, got, page = fetch(self.port, "GET", path, headers)
        page_ms = (time.perf_counter() - started) * 1000
        found = CSRF_RE.search(page)
        if status != 200 or not found:
            with self.lock:
                tally.sent += 1
                tally.refused[status] += 1
            return
        cookie = dict((k.lower(), v) for k, v in got).get("set-cookie", "").split(";", 1)[0]
        started_typing = time.monotonic()
        if kind == "person with the proof":  # solved while she types
            extra = {**extra, "proof": solved_proof(page)}
        time.sleep(max(0.0, wait - (time.monotonic() - started_typing)))
        phone = self.phone()
        fields = [
            ("csrf_token", found.group(1)),
            ("phone", phone),
            ("name", "Sam"),
            ("windows", "10:00-12:00"),
            ("call_language", "fr"),
            ("danger", "no"),
            ("consent", "y"),
            ("station", "st-etienne"),
            *extra.items(),
        ]
        headers.update({"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        started = time.perf_counter()
        status, got, _body = fetch(self.port, "POST", path, headers, urllib.parse.urlencode(fields))
        submit_ms = (time.perf_counter() - started) * 1000
        location = dict((k.lower(), v) for k, v in got).get("location", "")
        with self.lock:
            tally.sent += 1
            tally.phones.append(phone)
            if status == 303 and urllib.parse.urlsplit(location).path == "/fr/sent":
                tally.confirmed += 1
            else:
                tally.refused[status] += 1
            if kind.startswith("person"):
                tally.page_ms.append(page_ms)
                tally.submit_ms.append(submit_ms)


def caught_bot(flood: Flood, n: int) -> None:
    address = f"10.{n % 200}.{n // 200 % 250}.{n % 250 + 1}"
    if n % 2:
        flood.visit("caught bot", address, 0.0)  # sent at once: the time trap
    else:
        flood.visit("caught bot", address, 2.5, website="https://offre.example")  # honeypot


def lookalike(flood: Flood, n: int) -> None:
    # A few networks, many addresses each: one address alone stays under its own limit.
    address = f"100.64.{n % 4}.{n // 4 % 250 + 1}"
    flood.visit("look-alike bot", address, 2.2, message=BOT_TEXT)


def person(flood: Flood, n: int, kind: str, tally: Tally | None = None) -> None:
    address = f"192.168.{n // 250 % 250}.{n % 250 + 1}"
    flood.visit(kind, address, random.uniform(3.0, 5.0), tally)  # noqa: S311


def lanes_of(app: Flask, phones: list[str]) -> Counter[str]:
    """Stored requests of these numbers by lane, found through the blind index."""
    with app.app_context():
        indexes = [crypto.blind_index(f"+33{p[1:]}") for p in phones]
        found: Counter[str] = Counter()
        for start in range(0, len(indexes), 500):
            query = select(CallbackRequest.lane).where(
                CallbackRequest.phone_index.in_(indexes[start : start + 500])
            )
            found.update(db.session().scalars(query))
        db.session().close()
        return found


def figures(values: list[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(ordered):6.1f} / {p95:6.1f}"


def run(args: argparse.Namespace, url: str) -> int:
    keys = new_keys()
    app = prepare_database(url, keys)
    with app.app_context():
        code = card_code(current_batch(station_by_code("st-etienne")))
        db.session().commit()
    env = {
        "PORTAL_DATABASE_URL": url,
        **keys_env(keys),
        "PORTAL_TRUSTED_PROXIES": "1",
        "PORTAL_RATELIMIT_STORAGE_URI": args.redis_url or "memory://",
        "PORTAL_RATELIMIT_KEY_PREFIX": f"flood{random.randrange(10**6)}",  # noqa: S311
        "PORTAL_UNKNOWN_RATE": args.unknown_rate,
    }
    server, port = start_gunicorn("portal:create_app()", env)
    try:
        flood = Flood(port, code, time.monotonic() + args.max_seconds)
        for path in ("/fr/", f"/fr/c/{code}") * 8:  # every worker's caches warm
            fetch(port, "GET", path, {})
        # A quiet server first: the yardstick for the people's latency.
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda n: person(flood, 5000 + n, "person", flood.quiet), range(8)))
        jobs = [(caught_bot, n) for n in range(args.bots)]
        jobs += [(lookalike, n) for n in range(args.lookalikes)]
        random.shuffle(jobs)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.concurrency) as bots:
            for job, n in jobs:
                bots.submit(job, flood, n)
            time.sleep(args.people_after)  # people arrive once the flood is under way
            with ThreadPoolExecutor(max_workers=args.people) as people:
                for n in range(args.people):
                    kind = ("person", "person with a card", "person with the proof")[n % 3]
                    time.sleep(random.uniform(0.0, 0.5))  # noqa: S311
                    people.submit(person, flood, n, kind)
        seconds = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=20)
    return report(app, flood, seconds, args)


def report(app: Flask, flood: Flood, seconds: float, args: argparse.Namespace) -> int:
    storage = "Redis" if args.redis_url else "memory (per worker)"
    print(
        f"flood of {seconds:.0f} s, 2 gunicorn workers, limits in {storage}, "
        f"unknown requests into the queue up to {args.unknown_rate}, loopback"
    )
    print(f"{'kind':<20}{'sent':>6}{'confirmed':>11}{'stored':>8}{'queue':>7}{'to check':>10}")
    # "other answers" counts statuses: 200 is the form shown again, 429 the per-address limit.
    for kind, tally in flood.tallies.items():
        lanes = lanes_of(app, tally.phones)
        stored = sum(lanes.values())
        print(
            f"{kind:<20}{tally.sent:>6}{tally.confirmed:>11}{stored:>8}"
            f"{lanes['queue']:>7}{lanes['check']:>10}"
            + (f"   other answers: {dict(tally.refused)}" if tally.refused else "")
        )
    people = [flood.tallies[kind] for kind in KINDS if kind.startswith("person")]
    pages = [ms for t in people for ms in t.page_ms]
    submits = [ms for t in people for ms in t.submit_ms]
    print("people's latency, ms (median / p95):")
    quiet = flood.quiet
    print(f"  quiet server   page {figures(quiet.page_ms)}   send {figures(quiet.submit_ms)}")
    print(f"  during flood   page {figures(pages)}   send {figures(submits)}")
    people_ok = all(t.confirmed == t.sent and not t.refused for t in people)
    return 0 if people_ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=300, help="bots the traps catch")
    parser.add_argument("--lookalikes", type=int, default=100, help="bots that look like people")
    parser.add_argument(
        "--people", type=int, default=20, help="people: a third with a card, a third with the proof"
    )
    parser.add_argument(
        "--people-after", type=float, default=5.0, help="seconds into the flood people arrive"
    )
    parser.add_argument("--concurrency", type=int, default=24, help="bots sending at once")
    parser.add_argument(
        "--unknown-rate", default="60 per hour", help="unknown requests let into the queue"
    )
    parser.add_argument("--max-seconds", type=int, default=120, help="stop sending after this")
    parser.add_argument("--database-url", default="", help="an empty scratch database")
    parser.add_argument("--redis-url", default="", help="rate-limit storage shared by workers")
    args = parser.parse_args()
    if not (0 <= args.bots <= 5000 and 0 <= args.lookalikes <= 2000 and 1 <= args.people <= 200):
        parser.error("at most 5000 bots, 2000 look-alikes and 200 people")
    args.max_seconds = max(10, min(args.max_seconds, 600))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'flood.sqlite3'}"
        return run(args, url)


if __name__ == "__main__":
    raise SystemExit(main())
