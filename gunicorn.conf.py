"""gunicorn settings for the portal: `gunicorn -c gunicorn.conf.py 'portal:create_app()'`.

Every value can be changed through the environment (systemd's EnvironmentFile); the access log
carries neither the client address nor the query string, so that it holds no personal data.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn import util as gunicorn_util
from gunicorn.glogging import Logger
from gunicorn.http import wsgi as gunicorn_wsgi

from portal.core import config as portal_config
from portal.core import production
from portal.core import worker_count as counting
from portal.core.security import POLICY_HEADERS

# Loopback by default: nginx, on the same host, is the only client.
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
# Sync workers: one request at a time each; about 2 per core is plenty for a few requests a day.
# Two when the rate-limit counters are shared (Redis), else one: see on_starting below.
_settings = counting.settings()
workers = int(os.environ.get("PORTAL_WORKERS", counting.default_workers(_settings)))
worker_class = "sync"
timeout = int(os.environ.get("PORTAL_WORKER_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then; the jitter keeps them from restarting all at once.
max_requests = 5000
max_requests_jitter = 500
# No control socket: nothing to manage at run time besides signals from systemd.
control_socket_disable = True
# Forwarded headers are the app's business (PORTAL_TRUSTED_PROXIES drives its ProxyFix);
# gunicorn itself believes none of them.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
limit_request_line = 2048

accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-")
errorlog = os.environ.get("PORTAL_ERROR_LOG", "-")
loglevel = os.environ.get("PORTAL_LOG_LEVEL", "info")
# Time, method, path (secrets in it replaced), status, bytes, duration, worker:
# no client address, no query string, no referrer, no user agent.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %(p)s'

# Path segments that carry a secret or a card code: logged as "…".
SECRET_SEGMENT = re.compile(r"(/(?:c|invitation|reset)/)[^/\s'\"]+|/[^/\s'\"]{24,}")


# In warnings and errors: query strings and IPv4/IPv6 addresses.
QUERY = re.compile(r"\?[^\s'\"]*")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
IPV6 = re.compile(r"(?<![\w:])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?![\w:])")


# A card's short address (`/K7M-2QX`, as typed): one segment at the root, other than a page.
ROOT_CODE = re.compile(r"/[0-9A-Za-z][0-9A-Za-z \-]{0,23}")
ROOT_PAGES = frozenset({"/exit", "/healthz", "/livez", "/metrics", "/staff", "/static"})


def redact_path(path: str) -> str:
    """The request path with its secret parts replaced, for the access log."""
    if ROOT_CODE.fullmatch(path) and path not in ROOT_PAGES:
        return "/…"
    return SECRET_SEGMENT.sub(lambda m: (m.group(1) or "/") + "…", path)


def redact_text(text: str) -> str:
    """A log message with query strings, client addresses and secrets in paths replaced."""
    text = IPV4.sub("…", QUERY.sub("?…", text))
    # "::" or four colons: an IPv6 address, not a time of day.
    text = IPV6.sub(lambda m: "…" if "::" in m[0] or m[0].count(":") > 3 else m[0], text)
    return redact_path(text)


class RedactingFilter(logging.Filter):
    """Keeps personal data out of gunicorn's warnings (a bad request line quotes the request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            record.msg = redact_text(record.getMessage())
            record.args = ()
        return True


class RedactingLogger(Logger):
    """gunicorn's logger, with secrets in paths hidden from the access log and from warnings."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(RedactingFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        values = super().atoms(resp, req, environ, request_time)
        values["U"] = redact_path(environ.get("PATH_INFO", ""))
        values["h"] = "-"
        values["q"] = "-"
        values["r"] = f"{values['m']} {values['U']}"
        return values


logger_class = RedactingLogger


# gunicorn writes two things itself, outside the app: a "Server: gunicorn" header on every
# answer, and a bare page for a request it cannot parse (400, 414, 431…) that quotes the request
# back. Both go through module functions, replaced here (master and workers alike).
_gunicorn_default_headers = gunicorn_wsgi.Response.default_headers


def _headers_without_server(self: Any) -> list[str]:
    """gunicorn's status line, Date and Connection, without announcing what runs the site."""
    return [line for line in _gunicorn_default_headers(self) if not line.startswith("Server:")]


def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error answer with the portal's headers, quoting nothing of the request."""
    reason = re.sub(r"[^A-Za-z -]", "", reason)[:60]
    body = f"<!doctype html><title>{reason}</title><h1>{reason}</h1>\n"
    lines = [f"HTTP/1.1 {int(status_int)} {reason}", "Connection: close"]
    lines += ["Content-Type: text/html; charset=utf-8", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in POLICY_HEADERS.items()]
    gunicorn_util.write_nonblock(sock, ("\r\n".join(lines) + "\r\n\r\n" + body).encode("latin1"))


gunicorn_wsgi.Response.default_headers = _headers_without_server  # type: ignore[method-assign]
gunicorn_util.write_error = write_error


# Counters /metrics sums over the workers (failed submissions, notices not sent): one small file
# per worker in this folder, emptied at each start. Set before any worker imports the app.
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_metrics_dir_made = not os.environ.get(METRICS_DIR_VARIABLE)
if _metrics_dir_made:
    os.environ[METRICS_DIR_VARIABLE] = tempfile.mkdtemp(prefix="portal-metrics-")


def _empty_metrics_dir() -> None:
    """Counts from an earlier run of the server are not this run's."""
    for stale in Path(os.environ[METRICS_DIR_VARIABLE]).glob("*.db"):
        stale.unlink(missing_ok=True)


def on_starting(server: Any) -> None:
    """Refuse a production set-up on fictional defaults, and several workers on per-process
    counters, with the reason and the fixes."""
    settings = portal_config.settings_without_keys()
    problem = production.refusal(settings, portal_config.DEFAULTS) or counting.refusal(
        server.cfg.workers, _settings
    )
    if problem:
        server.log.error(problem)
        raise SystemExit(problem)
    _empty_metrics_dir()


def child_exit(_server: Any, worker: Any) -> None:
    """A worker that ended keeps its counts; only its live gauges are dropped."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(_server: Any) -> None:
    if _metrics_dir_made:
        shutil.rmtree(os.environ[METRICS_DIR_VARIABLE], ignore_errors=True)
