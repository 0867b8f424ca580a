"""Counters every server process adds to and /metrics sums: submissions not saved, notices not sent.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py sets it) holds a small file per worker,
so a scrape answered by any worker counts what all of them saw. Without it (one process, `make
run`), the counts live in the process. prometheus_client is imported on first use: commands start
fast. Labels never carry anything a person sent.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from flask import Flask, Response, request

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter

log = logging.getLogger(__name__)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# The public forms a person sends, by endpoint: what a failure is counted under.
PUBLIC_FORMS = {
    "public.request_form": "request",
    "public.card_form": "request",
    "public.cancel": "cancel",
}
FAILED_STATUSES = ("500", "503", "504")

_counters: dict[str, Counter] = {}


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR) or None


def _counter(name: str, documentation: str, labels: tuple[str, ...]) -> Counter:
    if name not in _counters:
        from prometheus_client import Counter

        _counters[name] = Counter(name, documentation, labels, registry=None)
    return _counters[name]


def failed_submissions() -> Counter:
    return _counter(
        "portal_failed_submissions",
        "Public submissions (a request, a cancellation) answered with an error: nothing saved.",
        ("form", "status"),
    )


def failed_notices() -> Counter:
    return _counter(
        "portal_notices_failed",
        "E-mail notices to staff that could not be sent (the request itself is stored).",
        ("kind",),
    )


def _add(counter: Counter, **labels: str) -> None:
    try:
        counter.labels(**labels).inc()
    except Exception:  # a full disk must not turn a counted failure into another one
        log.warning("a counter could not be written")


def count_failed_notice(kind: str) -> None:
    _add(failed_notices(), kind=kind)


def _after_public_submission(response: Response) -> Response:
    """Log and count every public submission the service failed to save; nothing personal."""
    form = PUBLIC_FORMS.get(request.endpoint or "")
    if form is None or request.method != "POST" or response.status_code < 500:
        return response
    log.error("public submission not saved: form=%s status=%s", form, response.status_code)
    _add(failed_submissions(), form=form, status=str(response.status_code))
    return response


def init_app(app: Flask) -> None:
    """Register before transactions.init_app: after-request functions run in reverse order, so
    this one sees the answer after the request's commit, a failed commit's 503 included."""
    app.after_request(_after_public_submission)
    if multiprocess_dir():
        # Each worker's files exist before anything fails (a full disk cannot create them).
        for form in sorted(set(PUBLIC_FORMS.values())):
            for status in FAILED_STATUSES:
                failed_submissions().labels(form=form, status=status)
        failed_notices().labels(kind="new_request")


def register_into(registry: CollectorRegistry) -> None:
    """Add the counters of every process (or of this one) to a scrape's registry."""
    directory = multiprocess_dir()
    if directory:
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        return
    for counter in (failed_submissions(), failed_notices()):
        registry.register(counter)
