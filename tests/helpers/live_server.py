"""The portal served on a real loopback port, for the browser tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import BaseWSGIServer

from portal.core import crypto, db
from portal.models import CallbackRequest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach the internet.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class LiveServer:
    """The portal served on a real loopback port."""

    app: Flask
    origin: str
    exit_url: str
    server: BaseWSGIServer = field(repr=False)

    def url(self, path: str) -> str:
        return self.origin + path

    def is_portal(self, url: str) -> bool:
        split = urlsplit(url)
        return f"{split.scheme}://{split.netloc}" == self.origin

    def foreign(self, urls: list[str], allowed: tuple[str, ...] = ()) -> list[str]:
        """The URLs that went to another origin than the portal (data: URLs stay in the page)."""
        return [
            url
            for url in urls
            if not url.startswith(("data:", *allowed)) and not self.is_portal(url)
        ]

    def stored_requests(self) -> list[CallbackRequest]:
        """The requests in the database, as the back office would find them."""
        with self.app.app_context():
            return list(db.session().query(CallbackRequest).order_by(CallbackRequest.id))

    def code_hash(self, code: str) -> str:
        """The hash the database keeps for a cancel code."""
        with self.app.app_context():
            return crypto.code_hash(code)
