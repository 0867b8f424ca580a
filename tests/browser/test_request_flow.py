"""Asking for a callback in a real browser, with JavaScript on (sent in the background, shown in
place, one history entry) and off (plain forms), then cancelling with the code."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from helpers.live_server import LiveServer
from playwright.sync_api import BrowserContext, Page, expect

FreshTab = Callable[[BrowserContext, str], Page]
CODE = re.compile(r"^[A-Z0-9-]{6,}$")


def fill_form(page: Page) -> None:
    """Fill in the request form the way a person would, with the mouse and the keyboard."""
    page.get_by_label("Phone number to call").fill("06 12 34 56 78")
    page.get_by_label("A first name or another name to ask for (optional)").fill("Sam")
    page.locator("#windows-1").check()
    page.locator("#windows-3").check()
    page.locator("#danger-0").check()
    page.get_by_label("Where did you get our details?").select_option("st-etienne")
    page.get_by_label("I agree that the social worker keeps these details").check()


def send(page: Page) -> None:
    page.get_by_role("button", name="Send my request").click()


def read_cancel_code(page: Page) -> str:
    expect(page.locator("h1")).to_have_text("Your request is saved")
    code = page.locator(".code").inner_text().strip()
    assert CODE.match(code), code
    return code


def assert_stored_with(live: LiveServer, code: str) -> None:
    """Exactly one request is in the database, and the code shown is the one that cancels it."""
    stored = live.stored_requests()
    assert len(stored) == 1
    assert stored[0].status == "new" and stored[0].phone_enc
    assert stored[0].cancel_hash == live.code_hash(code)


def assert_cancelled(live: LiveServer) -> None:
    (request,) = live.stored_requests()
    assert request.status == "cancelled"
    assert request.phone_enc is None and request.cancel_hash is None


def cancel_with(page: Page, code: str) -> None:
    page.locator("footer").get_by_role("link", name="Your request").click()
    page.get_by_label("Your cancel code").fill(code)
    page.get_by_role("button", name="Open my request").click()
    expect(page.locator("#state")).to_have_text("Waiting: nobody has called you yet.")
    page.get_by_role("button", name="Cancel my request").click()
    expect(page.locator("h1")).to_have_text("Thank you")


def focused(page: Page) -> str:
    return str(
        page.evaluate("document.activeElement.tagName + '.' + document.activeElement.className")
    )


def test_with_javascript_the_request_is_sent_in_place_without_a_history_entry(
    context: BrowserContext,
    fresh_tab: FreshTab,
    live_server: LiveServer,
    record_requests: Callable[[BrowserContext], list[str]],
) -> None:
    seen = record_requests(context)
    page = fresh_tab(context, "/en/")
    fill_form(page)
    send(page)
    code = read_cancel_code(page)
    assert page.url == live_server.url("/en/sent")
    assert page.evaluate("history.length") == 1
    assert focused(page) == "H1."
    assert_stored_with(live_server, code)
    cancel_with(page, code)
    assert page.evaluate("history.length") == 1
    assert_cancelled(live_server)
    assert live_server.foreign(seen, allowed=(live_server.exit_url,)) == []


def test_with_javascript_errors_are_shown_in_place_with_the_summary_focused(
    context: BrowserContext, fresh_tab: FreshTab, live_server: LiveServer
) -> None:
    page = fresh_tab(context, "/en/")
    page.get_by_label("Phone number to call").fill("12")
    send(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "This phone number does not look right. Check it, please.",
            "Choose at least one time when it is safe to call you.",
            "Tell us whether you are in danger right now.",
            "We need your agreement to keep your details and call you.",
        ]
    )
    assert page.url == live_server.url("/en/")
    assert page.evaluate("history.length") == 1
    assert page.get_by_label("Phone number to call").input_value() == "12"
    assert live_server.stored_requests() == []
    fill_form(page)
    send(page)
    assert_stored_with(live_server, read_cancel_code(page))


@pytest.fixture
def no_js_page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context(java_script_enabled=False).new_page()


def test_without_javascript_the_form_sends_confirms_and_cancels(
    no_js_page: Page, live_server: LiveServer
) -> None:
    page = no_js_page
    page.goto(live_server.url("/en/"))
    send(page)
    expect(page.locator(".error-summary")).to_be_visible()
    fill_form(page)
    send(page)
    code = read_cancel_code(page)
    assert page.url == live_server.url("/en/sent")
    # Plain forms: the error page and the confirmation each took a history entry of their own.
    assert page.evaluate("history.length") >= 3
    assert_stored_with(live_server, code)
    cancel_with(page, code)
    assert_cancelled(live_server)


def test_without_javascript_the_exit_button_lands_on_the_neutral_site(
    no_js_page: Page, live_server: LiveServer
) -> None:
    page = no_js_page
    page.goto(live_server.url("/ar/help"))
    assert page.context.cookies(live_server.origin) == []
    page.goto(live_server.url("/ar/"))
    assert page.context.cookies(live_server.origin), "the form page should hold a session cookie"
    page.locator(".quick-exit").click()
    page.wait_for_url(live_server.exit_url)
    assert page.title() == "Weather"
    assert page.context.cookies(live_server.origin) == []
