"""Browser fixtures: Debian's Chromium driven by Playwright, the portal on a real loopback server,
and a neutral site on another loopback address for the quick exit to land on."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers.fixture_types import MakeApp
from helpers.live_server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LiveServer
from playwright.sync_api import BrowserContext, Page, Request
from werkzeug.serving import make_server

from portal.cli.demo_data import create_demo_stations
from portal.core import db

NEUTRAL_TITLE = "Weather"
NEUTRAL_PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    f"<title>{NEUTRAL_TITLE}</title><link rel='icon' href='data:,'></head>"
    "<body><h1>Weather</h1><p>Sunny spells, 18 degrees.</p></body></html>"
).encode()


@pytest.fixture(scope="session", autouse=True)
def _chromium_present() -> None:
    """Skip these tests on a machine without Chromium; in CI a missing browser is a failure."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return
    message = f"Chromium not found at {CHROMIUM} (install Debian's chromium or set CHROMIUM_PATH)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    _chromium_present: None, browser_type_launch_args: dict[str, Any]
) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class _NeutralHandler(BaseHTTPRequestHandler):
    """Answers every GET with the same harmless page."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(NEUTRAL_PAGE)))
        self.end_headers()
        self.wfile.write(NEUTRAL_PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        return


def _serve_in_thread(server: Any) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    return thread


@pytest.fixture(scope="session")
def neutral_site() -> Iterator[str]:
    """A tiny site on 127.0.0.2, another origin than the portal, where the quick exit lands."""
    server = ThreadingHTTPServer(("127.0.0.2", 0), _NeutralHandler)
    server.daemon_threads = True
    thread = _serve_in_thread(server)
    yield f"http://127.0.0.2:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@pytest.fixture
def live_server(make_app: MakeApp, neutral_site: str) -> Iterator[LiveServer]:
    """The app with demo stations, served by werkzeug in a thread; stopped before tables empty."""
    sock = _listening_socket()
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = make_app(PUBLIC_BASE_URL=origin, EXIT_URL=neutral_site)
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, fd=sock.fileno())
    sock.close()
    thread = _serve_in_thread(server)
    yield LiveServer(app=app, origin=origin, exit_url=neutral_site, server=server)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def fresh_tab(live_server: LiveServer) -> Callable[[BrowserContext, str], Page]:
    """A new tab whose first history entry is this portal page, as when a link is opened.

    Playwright's own new pages start with a committed about:blank entry; a tab opened by
    window.open() starts with the page itself, so history.length is 1 there.
    """

    def open_tab(context: BrowserContext, path: str) -> Page:
        opener = context.new_page()
        opener.goto(live_server.exit_url)
        with context.expect_page() as opened:
            opener.evaluate("url => window.open(url, '_blank', 'noopener')", live_server.url(path))
        opener.close()
        tab = opened.value
        tab.wait_for_load_state()
        return tab

    return open_tab


@pytest.fixture
def record_requests() -> Callable[[BrowserContext], list[str]]:
    """Start recording every URL a browser context asks for, in order."""

    def start(context: BrowserContext) -> list[str]:
        seen: list[str] = []

        def remember(request: Request) -> None:
            seen.append(request.url)

        context.on("request", remember)
        return seen

    return start


@pytest.fixture
def save_screenshot() -> Callable[[Page, str], Path]:
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""

    def save(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
