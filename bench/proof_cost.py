"""What the form's proof of work costs a bot: solves per second with a native solver (hashlib).

A bot does not use a browser: it hashes in a tight native loop. This measures that loop on this
machine, one core, for the configured difficulty (or one given), and prints the difficulty that
would make an average solve cost the target time. Never part of the test run.

    .venv/bin/python bench/proof_cost.py                     # the configured PROOF_MAX_NUMBER
    .venv/bin/python bench/proof_cost.py --max-number 50000 --target-ms 250 --rounds 20
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import statistics
import time

from portal.core.config import DEFAULTS


def hashes_per_second(seconds: float = 2.0) -> float:
    """SHA-256 of salt + number, as the challenge asks, counted for a few seconds."""
    salt = secrets.token_hex(12) + "?expires=1999999999&"
    digest = hashlib.sha256
    done = 0
    started = time.perf_counter()
    while True:
        for n in range(done, done + 20_000):
            digest((salt + str(n)).encode()).hexdigest()
        done += 20_000
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed


def solve_seconds(max_number: int, rounds: int) -> list[float]:
    """Real solves of fresh challenges whose number is drawn in [0, max_number]."""
    times = []
    for _ in range(rounds):
        salt = secrets.token_hex(12) + "?expires=1999999999&"
        number = secrets.randbelow(max_number + 1)
        target = hashlib.sha256((salt + str(number)).encode()).hexdigest()
        started = time.perf_counter()
        for n in range(max_number + 1):
            if hashlib.sha256((salt + str(n)).encode()).hexdigest() == target:
                break
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-number", type=int, default=int(DEFAULTS["PROOF_MAX_NUMBER"]))
    parser.add_argument("--target-ms", type=float, default=250.0)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rate = hashes_per_second()
    times = solve_seconds(args.max_number, args.rounds)
    mean = statistics.mean(times)
    print(f"native SHA-256 rate, one core: {rate:,.0f} hashes/s")
    print(
        f"PROOF_MAX_NUMBER={args.max_number:,}: {mean * 1000:.1f} ms per solve on average "
        f"({1 / mean:,.1f} solves/s, {60 / mean:,.0f} a minute on one core)"
    )
    # A solve tries half the range on average.
    suggested = int(2 * rate * args.target_ms / 1000)
    print(f"for {args.target_ms:g} ms per solve on average: PROOF_MAX_NUMBER={suggested:,}")


if __name__ == "__main__":
    main()
