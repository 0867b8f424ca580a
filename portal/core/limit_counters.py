"""Rate-limit counters that never hold a person up: Redis with short timeouts, and this process's
memory while Redis does not answer (said in the log), as Flask-Limiter's in-memory fallback does
for the limits it checks itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from limits.strategies import RateLimiter

from portal.core.extensions import limiter

log = logging.getLogger(__name__)

T = TypeVar("T")


def configure(app: Flask) -> None:
    """Short socket and connect timeouts on the Redis counters (before the limiter starts)."""
    limiter._storage_dead = False  # a new app starts on its shared counters
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "")
    if not uri.startswith(("redis://", "rediss://", "redis+")):
        return
    timeout = float(app.config["REDIS_TIMEOUT_SECONDS"])
    options: dict[str, Any] = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    options.setdefault("socket_timeout", timeout)
    options.setdefault("socket_connect_timeout", timeout)
    app.config["RATELIMIT_STORAGE_OPTIONS"] = options


def count(action: Callable[[RateLimiter], T]) -> T:
    """Run a count on the shared counters; if they fail, on this process's memory instead."""
    try:
        return action(limiter.limiter)
    except Exception as exc:  # any storage error: Redis down, frozen, refusing
        if not _fall_back(exc):
            raise
    return action(limiter.limiter)


def _fall_back(exc: Exception) -> bool:
    """Switch the limiter to its memory counters until Flask-Limiter sees Redis answer again."""
    if not limiter._in_memory_fallback_enabled or limiter._storage_dead:
        return False
    log.warning(
        "rate-limit storage unreachable (%s): counting in this process's memory until it answers",
        type(exc).__name__,
    )
    limiter._storage_dead = True
    return True
