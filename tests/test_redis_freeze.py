"""Redis stops answering (no packet, no reset): submissions go on within a couple of seconds, and
the per-address limit still counts, in the process's memory, as the log says.

The portal runs on a real loopback server and reaches Redis through a relay the test freezes.
Loopback only, bounded.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from helpers.faults import Timed, served, timed_send
from helpers.production import FormVisitor, confirmed
from helpers.relay import Relay, relay_to
from helpers.settings import TEST_REDIS_URL, needs_redis

from portal.cli.demo_data import create_demo_stations
from portal.core import db

# Long enough for the limiter to try Redis again a few times (after 1, 2 and 4 s).
FROZEN_SECONDS = 8.0
QUICK = 2.0


# Each sender of the frozen seconds has an address of her own, however many send (a fast machine
# sends hundreds); the one who sends four times has one outside their range.
ONE_ADDRESS = "198.51.100.7"


def address(n: int) -> str:
    return str(ipaddress.IPv4Address(0x0A000000 + n))  # 10.0.0.n, then 10.0.1.0 and on


def send_from(port: int, sender: str, phone: str) -> Timed:
    visitor = FormVisitor(port)
    assert visitor.load().status == 200
    return timed_send(visitor, phone, {"X-Forwarded-For": sender})


@pytest.fixture
def redis_relay() -> Iterator[tuple[Relay, str]]:
    """A relay to the test Redis, and the address of its database through the relay; set up
    before the app, so that it outlives the app's clean-up."""
    assert TEST_REDIS_URL
    redis = urlsplit(TEST_REDIS_URL)
    with relay_to(redis.hostname or "127.0.0.1", redis.port or 6379) as relay:
        yield relay, f"redis://127.0.0.1:{relay.port}{redis.path or '/0'}"


@needs_redis()
def test_a_frozen_redis_holds_nobody_up_and_the_limit_still_counts(
    redis_relay: tuple[Relay, str],
    make_app: Callable[..., Flask],
    caplog: pytest.LogCaptureFixture,
) -> None:
    relay, redis_url = redis_relay
    caplog.set_level(logging.WARNING)
    app = make_app(
        RATELIMIT_STORAGE_URI=redis_url,
        SUBMIT_LIMITS="3 per minute",
        UNKNOWN_RATE="1000 per minute",
        TRUSTED_PROXIES=1,
        PAGE_CACHE_SECONDS=0,
    )
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    with served(app) as port:
        assert confirmed(_answer(send_from(port, address(1), "0611000001")))
        relay.freeze()
        frozen_at = time.monotonic()
        meanwhile: list[Timed] = []
        n = 10
        while time.monotonic() - frozen_at < FROZEN_SECONDS:
            meanwhile.append(send_from(port, address(n), f"06110{n:05d}"))
            n += 1
        one_address = [send_from(port, ONE_ADDRESS, f"061200000{i}") for i in range(4)]
        relay.thaw()

    assert len(meanwhile) >= 4
    assert [t.failure for t in meanwhile + one_address if t.failure] == []
    slowest = max(t.seconds for t in meanwhile + one_address)
    assert slowest < QUICK, f"a submission took {slowest:.1f} s"
    assert all(confirmed(_answer(t)) for t in meanwhile)
    # Three per minute from one address: the fourth is refused, even with Redis frozen.
    assert [confirmed(_answer(t)) for t in one_address] == [True, True, True, False]
    assert _answer(one_address[3]).status == 429
    assert any("counting in this process's memory" in r.getMessage() for r in caplog.records)


def _answer(timed: Timed) -> Any:
    assert timed.answer is not None, timed.failure
    return timed.answer
