"""How many server processes the rate-limit counters allow: memory counters are per process.

With `memory://` counters, each gunicorn worker counts apart and every per-address limit is
multiplied by the number of workers; only shared counters (Redis) let several workers count
together. gunicorn.conf.py asks here before it starts any worker.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Config, Flask

from portal.core.config import DEFAULTS

TRUE = ("1", "true", "yes", "on")


def settings(environ: Mapping[str, str] | None = None) -> Config:
    """The configuration as the app will read it (defaults, instance/config.py, environment),
    without keys: enough to know where the counters live."""
    environ = os.environ if environ is None else environ
    instance_path = Flask("portal", instance_relative_config=True).instance_path
    config = Config(instance_path)
    config.from_mapping(DEFAULTS)
    config.from_pyfile("config.py", silent=True)
    for name in ("RATELIMIT_STORAGE_URI", "ALLOW_PER_PROCESS_LIMITS"):
        if f"PORTAL_{name}" in environ:
            config[name] = environ[f"PORTAL_{name}"]
    return config


def counters_are_shared(storage_uri: str) -> bool:
    """True unless the counters live in each process's own memory."""
    return not storage_uri.strip().lower().startswith("memory://")


def default_workers(config: Mapping[str, Any]) -> int:
    """Two workers when the counters are shared, otherwise one (which keeps every limit exact)."""
    return 2 if counters_are_shared(str(config["RATELIMIT_STORAGE_URI"])) else 1


def refusal(workers: int, config: Mapping[str, Any]) -> str | None:
    """Why the server must not start with this many workers, or None."""
    uri = str(config["RATELIMIT_STORAGE_URI"])
    allowed = str(config.get("ALLOW_PER_PROCESS_LIMITS", "")).strip().lower() in TRUE
    if workers <= 1 or counters_are_shared(uri) or allowed:
        return None
    return (
        f"Refusing to start {workers} workers with rate-limit counters in memory "
        f"(PORTAL_RATELIMIT_STORAGE_URI={uri}): each worker would count apart, so every "
        f"per-address limit would be {workers} times as loose. Set "
        "PORTAL_RATELIMIT_STORAGE_URI=redis://… to share the counters, or run one worker "
        "(PORTAL_WORKERS=1), or set PORTAL_ALLOW_PER_PROCESS_LIMITS=true to accept the looser "
        "limits (staff lockouts are counted in the database and are not affected)."
    )
