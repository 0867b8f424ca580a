"""The site's own script solves the proof of work while she fills in the form, in a real browser;
the request it sends keeps its place in the queue."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from .conftest import LiveServer
from .test_request_flow import fill_form, read_cancel_code, send


def test_the_script_solves_the_proof_while_she_types(
    context: BrowserContext,
    fresh_tab: Callable[[BrowserContext, str], Page],
    live_server: LiveServer,
    record_requests: Callable[[BrowserContext], list[str]],
) -> None:
    seen = record_requests(context)
    page = fresh_tab(context, "/en/")
    fill_form(page)
    expect(page.locator("form input[name=proof]")).to_have_count(1, timeout=20_000)
    send(page)
    read_cancel_code(page)
    (stored,) = live_server.stored_requests()
    assert stored.trust == "proof" and stored.lane == "queue"
    assert live_server.foreign(seen, allowed=(live_server.exit_url,)) == []
