"""The site's own script solves the proof of work while she fills in the form, in a real browser;
the request it sends keeps its place in the queue."""

from __future__ import annotations

from collections.abc import Callable

from helpers.live_server import LiveServer
from playwright.sync_api import BrowserContext, Page, expect


def fill_form(page: Page) -> None:
    """Fill in the request form the way a person would: the script starts as she types."""
    page.get_by_label("Phone number to call").fill("06 12 34 56 78")
    page.locator("#windows-1").check()
    page.locator("#danger-0").check()
    page.get_by_label("Where did you get our details?").select_option("st-etienne")
    page.get_by_label("I agree that the social worker keeps these details").check()


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
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("h1")).to_have_text("Your request is saved")
    (stored,) = live_server.stored_requests()
    assert stored.trust == "proof" and stored.lane == "queue"
    assert live_server.foreign(seen, allowed=(live_server.exit_url,)) == []
