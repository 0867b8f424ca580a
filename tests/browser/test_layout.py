"""Layout in a real browser: right-to-left Arabic, a narrow phone screen with the exit button always
in view, no horizontal scrolling, and no request to any other origin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers.live_server import LiveServer
from playwright.sync_api import BrowserContext, FloatRect, Page, Playwright, expect

LANGUAGES = ("fr", "en", "ar")
PAGES = ("", "help", "directory", "cancel", "privacy", "accessibility", "sent")
VIEWPORT_HEIGHT = 740


def test_arabic_reads_right_to_left(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url("/ar/"))
    assert page.evaluate("document.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"


def bar_padding(page: Page, side: str) -> float:
    style = "getComputedStyle(document.querySelector('.exit-bar'))"
    return float(page.evaluate(f"parseFloat({style}.padding{side.title()})"))


@pytest.mark.parametrize("lang, start", [("ar", "right"), ("fr", "left")])
def test_the_exit_button_sits_at_the_start_of_its_bar(
    page: Page, live_server: LiveServer, lang: str, start: str
) -> None:
    page.goto(live_server.url(f"/{lang}/"))
    bar = page.locator(".exit-bar").bounding_box()
    button = page.locator(".quick-exit").bounding_box()
    hint = page.locator(".exit-hint").bounding_box()
    assert bar and button and hint
    if start == "right":
        padding = bar_padding(page, "right")
        assert abs(bar["x"] + bar["width"] - padding - (button["x"] + button["width"])) < 1
        assert hint["x"] + hint["width"] <= button["x"]
    else:
        assert abs(bar["x"] + bar_padding(page, "left") - button["x"]) < 1
        assert button["x"] + button["width"] <= hint["x"]


@pytest.fixture
def open_phone(
    playwright: Playwright, new_context: Callable[..., BrowserContext]
) -> Callable[[int], Page]:
    """A phone-sized tab: Pixel 5 settings, narrowed to the width of a small Android phone."""

    def open_tab(width: int) -> Page:
        device: dict[str, Any] = {**playwright.devices["Pixel 5"]}
        device.pop("default_browser_type", None)
        device["viewport"] = {"width": width, "height": VIEWPORT_HEIGHT}
        return new_context(**device).new_page()

    return open_tab


@pytest.fixture(params=[360, 320], ids=lambda width: f"{width}px")
def phone(request: pytest.FixtureRequest, open_phone: Callable[[int], Page]) -> Page:
    return open_phone(request.param)


def viewport_width(page: Page) -> int:
    size = page.viewport_size
    assert size
    return size["width"]


def assert_exit_in_view(page: Page, where: str) -> None:
    box = page.locator(".quick-exit").bounding_box()
    assert box, where
    width = viewport_width(page)
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{where}: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT_HEIGHT, f"{where}: {box}"


def check_phone_layout(page: Page, where: str) -> bool:
    """Check the page on load and scrolled to the bottom; whether it was tall enough to scroll."""
    assert_exit_in_view(page, f"{where} on load")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= viewport_width(page), f"{where} scrolls sideways: {scroll_width}px"
    scrolled = page.evaluate("window.scrollTo(0, document.body.scrollHeight), window.scrollY")
    assert_exit_in_view(page, f"{where} scrolled down")
    return bool(scrolled > 0)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_page_fits_a_phone_with_the_exit_button_in_view(
    phone: Page,
    live_server: LiveServer,
    lang: str,
    record_requests: Callable[[BrowserContext], list[str]],
) -> None:
    seen = record_requests(phone.context)
    scrolled = []
    for name in PAGES:
        phone.goto(live_server.url(f"/{lang}/{name}"))
        if check_phone_layout(phone, f"/{lang}/{name}"):
            scrolled.append(name)
    assert "" in scrolled and "help" in scrolled, "the long pages should scroll on a phone"
    assert live_server.foreign(seen) == []


def test_form_with_errors_fits_a_phone(phone: Page, live_server: LiveServer) -> None:
    phone.goto(live_server.url("/ar/"))
    phone.locator("button[type=submit]").click()
    phone.locator(".error-summary").wait_for()
    assert check_phone_layout(phone, "/ar/ with errors")


def within_width(page: Page, selector: str, width: int) -> FloatRect:
    """The element's box, which must lie whole between the screen's left and right edges."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not drawn"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{selector} overflows: {box}"
    return box


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_at_360_pixels_the_first_screen_shows_the_exit_the_title_and_the_first_field(
    open_phone: Callable[[int], Page],
    live_server: LiveServer,
    lang: str,
    save_screenshot: Callable[[Page, str], Path],
) -> None:
    phone = open_phone(360)
    phone.goto(live_server.url(f"/{lang}/"))
    # Without scrolling she sees the way out, what the page is for, and where to start.
    for selector in ("a[data-exit]", "h1", "label[for=phone]", "input#phone"):
        expect(phone.locator(selector).first).to_be_in_viewport()
        within_width(phone, selector, 360)
    exit_box = within_width(phone, "a[data-exit]", 360)
    assert exit_box["height"] >= 24, "the exit is a target a thumb can hit (WCAG 2.5.8)"
    assert phone.locator("h1").inner_text().strip()
    assert phone.locator("a[data-exit]").inner_text().strip()
    # The button that sends the request is on the page, whole, below the fields.
    send = within_width(phone, "button[type=submit]", 360)
    assert send["y"] > within_width(phone, "input#phone", 360)["y"]
    save_screenshot(phone, f"form-{lang}-360.png")  # for a person to look at
