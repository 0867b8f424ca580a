"""A real OpenID provider (panva's oidc-provider, from npm) on a loopback port, and the portal
served beside it, for the sign-in tests: nothing of the protocol is mocked."""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from .production import free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "portal"
# The same as in provider.mjs: a test client's secret, nothing else.
CLIENT_SECRET = "portal-test-secret-that-is-long-enough-for-hs256"  # noqa: S105
START_SECONDS = 20


def provider_missing() -> str | None:
    """Why the provider cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        return "oidc-provider is not installed (npm ci)"
    return None


def require_provider() -> None:
    """Skip without Node or the package, except in CI where these tests are required."""
    reason = provider_missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@contextmanager
def running_provider(redirect_uri: str, post_logout_uri: str) -> Iterator[str]:
    """Start the provider, wait until it listens, yield its issuer; stop it afterwards."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        ["node", str(SCRIPT), str(port), redirect_uri, post_logout_uri],  # noqa: S607
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], START_SECONDS)
        line = process.stdout.readline() if ready else ""
        match = re.match(r"ready (\S+)", line)
        assert match, f"the OpenID provider did not start: {line!r}"
        yield match.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class SignInSite:
    """The portal on a loopback port, configured for the provider beside it."""

    app: Flask
    origin: str
    issuer: str

    def url(self, path: str) -> str:
        return self.origin + path


@contextmanager
def portal_with_provider(
    make_app: Callable[..., Flask], prepare: Callable[[Flask], None], **settings: Any
) -> Iterator[SignInSite]:
    """The provider and the portal, each knowing the other's address."""
    require_provider()
    sock = _free_socket()
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with running_provider(origin + "/staff/oidc/callback", origin + "/staff/login") as issuer:
        config = {
            "PUBLIC_BASE_URL": origin,
            "OIDC_ISSUER": issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_LABEL": "ProConnect",
            **settings,
        }
        app = make_app(**config)
        prepare(app)
        server = make_server("127.0.0.1", 0, app, threaded=True, fd=sock.fileno())
        sock.close()
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        try:
            yield SignInSite(app=app, origin=origin, issuer=issuer)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def form_action(page: requests.Response) -> str:
    """The address the page's (first) form posts to."""
    match = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert match, f"no form on {page.url}: {page.text[:300]}"
    action: str = match.group(1)
    return urljoin(str(page.url), action.replace("&amp;", "&"))


def sign_in_at_provider(
    browser: requests.Session, login_page: requests.Response, account: str
) -> requests.Response:
    """Type an account's name on the provider's login page; redirects are followed back."""
    return browser.post(form_action(login_page), data={"login": account}, timeout=10)
