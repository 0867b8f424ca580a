"""Layout in a real browser: right-to-left Arabic, a narrow phone screen with the exit button always
in view, no horizontal scrolling, and no request to any other origin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers.live_server import LiveServer
from playwright.sync_api import BrowserContext, Page, Playwright

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


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_screenshots_at_360_pixels(
    open_phone: Callable[[int], Page],
    live_server: LiveServer,
    lang: str,
    save_screenshot: Callable[[Page, str], Path],
) -> None:
    phone = open_phone(360)
    phone.goto(live_server.url(f"/{lang}/"))
    path = save_screenshot(phone, f"form-{lang}-360.png")
    assert path.stat().st_size > 10_000
