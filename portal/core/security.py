"""Security headers for every response, and the trusted-proxy setting; one place for both."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
    )
)


def is_staff_path(path: str) -> bool:
    """Whether a path is the back office's (by its blueprint's prefix), a known page or not."""
    prefix = current_app.blueprints["staff"].url_prefix
    return bool(prefix) and path.startswith(str(prefix))


def is_public_path(path: str) -> bool:
    return not is_staff_path(path)


# The policy every answer follows, whoever writes it: the app (below), gunicorn's own error
# pages (gunicorn.conf.py) and nginx for static files (docs/deploy.md, checked against this).
POLICY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


def set_security_headers(response: Response) -> Response:
    """Headers that every answer carries; a view may tighten them, never loosen."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    for name, value in POLICY_HEADERS.items():
        if name != "Content-Security-Policy":
            headers[name] = value
    if is_public_path(request.path):
        # Asks browsers that support it to keep no history of this visit.
        headers["Request-OTR"] = "?1"
    else:
        headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def set_hsts(response: Response) -> Response:
    response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
    if app.config["HTTPS"]:
        app.after_request(set_hsts)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        # Only behind proxies we run do we believe X-Forwarded-For, and then only the addresses
        # they added (the rightmost ones); otherwise it is ignored. The host comes from Host,
        # which the proxy sets: a client's X-Forwarded-Host is never believed.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0
        )
