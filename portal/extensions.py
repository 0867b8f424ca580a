"""Extensions shared by the blueprints: CSRF protection and rate limits."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_wtf import CSRFProtect


def client_address() -> str:
    """The client address as Werkzeug sees it (after ProxyFix only when proxies are trusted)."""
    return request.remote_addr or "unknown"


csrf = CSRFProtect()
# The storage comes from RATELIMIT_STORAGE_URI (PORTAL_RATELIMIT_STORAGE_URI): memory or Redis.
limiter = Limiter(key_func=client_address)
