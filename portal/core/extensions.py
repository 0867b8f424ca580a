"""Extensions shared by the blueprints: CSRF protection and rate limits."""

from __future__ import annotations

import ipaddress

from flask import request
from flask_limiter import Limiter
from flask_wtf import CSRFProtect


def client_network(address: str) -> str:
    """An IPv4 address as it is, an IPv6 address as its /64: one home or phone holds a /64."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def client_address() -> str:
    """The client as rate limits count it (after ProxyFix only when proxies are trusted)."""
    return client_network(request.remote_addr or "unknown")


csrf = CSRFProtect()
# The storage comes from RATELIMIT_STORAGE_URI (PORTAL_RATELIMIT_STORAGE_URI): memory or Redis.
limiter = Limiter(key_func=client_address)
