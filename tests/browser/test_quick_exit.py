"""Quick exit in a real browser: the page goes blank at once, the browser lands on the neutral
site, and nothing of the visit is left in the tab's history or the site's cookies."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from helpers.live_server import LiveServer
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

# Runs after the portal's own handlers for the same event (window, bubbling phase, added later)
# and reports on the console what the page looked like then, before any navigation.
PROBE = """kind => window.addEventListener(kind, () => {
  const root = document.documentElement;
  console.log("probe " + JSON.stringify({
    leaving: root.classList.contains("leaving"),
    text: document.body ? document.body.textContent.trim().length : 0,
    title: document.title,
  }));
})"""
READ_PAGE = """() => ({
  leaving: document.documentElement.classList.contains("leaving"),
  text: document.body ? document.body.textContent.trim().length : 0,
})"""
BLANK = {"leaving": True, "text": 0, "title": ""}


class Probe:
    """What the page looked like at the end of each key press or click."""

    def __init__(self, page: Page, *kinds: str) -> None:
        self.states: list[dict[str, Any]] = []
        page.on("console", self.note)
        for kind in kinds:
            page.evaluate(PROBE, kind)

    def note(self, message: ConsoleMessage) -> None:
        if message.text.startswith("probe "):
            self.states.append(json.loads(message.text.removeprefix("probe ")))


def assert_left_blank(page: Page, live: LiveServer, probe: Probe) -> None:
    page.wait_for_url(live.exit_url)
    assert page.title() == "Weather"
    assert probe.states, "the probe saw no event"
    assert probe.states[-1] == BLANK, "the page was not blank in the same event"


def assert_still_here(page: Page, live: LiveServer, probe: Probe | None = None) -> None:
    state = page.evaluate(READ_PAGE)
    assert live.is_portal(page.url)
    assert not state["leaving"] and state["text"] > 0
    assert probe is None or all(not seen["leaving"] for seen in probe.states)


@pytest.fixture
def form_page(page: Page, live_server: LiveServer) -> Page:
    page.goto(live_server.url("/fr/"))
    return page


def test_clicking_the_button_blanks_the_page_and_lands_on_the_neutral_site(
    form_page: Page, live_server: LiveServer
) -> None:
    probe = Probe(form_page, "click")
    form_page.locator(".quick-exit").click()
    assert_left_blank(form_page, live_server, probe)


def test_escape_blanks_the_page_and_leaves(form_page: Page, live_server: LiveServer) -> None:
    form_page.locator("#phone").focus()
    probe = Probe(form_page, "keydown")
    form_page.keyboard.press("Escape")
    assert_left_blank(form_page, live_server, probe)


@pytest.mark.parametrize(
    "keys",
    [("Shift", "Shift", "Shift"), ("ShiftRight",) * 3, ("ShiftLeft", "ShiftRight", "ShiftLeft")],
    ids=["left", "right", "both"],
)
def test_shift_three_times_leaves(
    form_page: Page, live_server: LiveServer, keys: tuple[str, ...]
) -> None:
    probe = Probe(form_page, "keydown")
    form_page.keyboard.press(keys[0])
    form_page.keyboard.press(keys[1])
    assert_still_here(form_page, live_server, probe)
    form_page.keyboard.press(keys[2])
    assert_left_blank(form_page, live_server, probe)


def test_shift_presses_more_than_five_seconds_apart_do_not_leave(
    page: Page, live_server: LiveServer
) -> None:
    page.clock.install()
    page.goto(live_server.url("/fr/"))
    probe = Probe(page, "keydown")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.clock.fast_forward(5100)
    page.keyboard.press("Shift")
    assert_still_here(page, live_server, probe)
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    assert_left_blank(page, live_server, probe)


def type_like_a_person(page: Page, text: str) -> None:
    """Type with the Shift key held for capitals, as on a real keyboard."""
    for char in text:
        if char.isupper():
            page.keyboard.down("Shift")
            page.keyboard.press(f"Key{char}")
            page.keyboard.up("Shift")
        else:
            page.keyboard.type(char)


def test_typing_capitals_in_the_form_does_not_leave(
    form_page: Page, live_server: LiveServer
) -> None:
    probe = Probe(form_page, "keydown")
    form_page.locator("#name").click()
    type_like_a_person(form_page, "Jean Paul De La Tour")
    assert_still_here(form_page, live_server, probe)
    assert form_page.locator("#name").input_value() == "Jean Paul De La Tour"


def test_tapping_the_button_on_a_phone_leaves(
    new_context: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    phone = new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(live_server.url("/ar/"))
    probe = Probe(phone, "click")
    phone.locator(".quick-exit").tap()
    assert_left_blank(phone, live_server, probe)


def visit_several_pages(page: Page, live: LiveServer) -> None:
    """Form, help, privacy, then the form in another language, always through the page's links."""
    assert page.evaluate("history.length") == 1
    for link, landing in [
        ("footer a[href='/fr/help']", "/fr/help"),
        ("footer a[href='/fr/privacy']", "/fr/privacy"),
        ("nav.langs a[hreflang='en']", "/en/privacy"),
        ("footer a[href='/en/']", "/en/"),
    ]:
        page.locator(link).click()
        page.wait_for_url(live.url(landing))
        assert page.evaluate("history.length") == 1, f"{landing} added a history entry"


def test_after_a_visit_and_the_exit_going_back_never_shows_the_portal(
    context: BrowserContext,
    fresh_tab: Callable[[BrowserContext, str], Page],
    live_server: LiveServer,
) -> None:
    page = fresh_tab(context, "/fr/")
    visit_several_pages(page, live_server)
    page.locator(".quick-exit").click()
    page.wait_for_url(live_server.exit_url)
    assert page.evaluate("history.length") == 1, "the visit left entries in the tab's history"
    page.go_back()
    assert not live_server.is_portal(page.url), f"going back showed {page.url}"
    page.evaluate("history.back()")
    page.wait_for_load_state()
    assert not live_server.is_portal(page.url), f"history.back() showed {page.url}"


def test_exit_clears_the_sites_cookies_and_storage(
    context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url("/fr/"))
    page.evaluate("localStorage.setItem('left-behind', '1')")
    assert context.cookies(live_server.origin), "the form page should hold a session cookie"
    page.keyboard.press("Escape")
    page.wait_for_url(live_server.exit_url)
    assert context.cookies(live_server.origin) == []
    again = context.new_page()
    again.goto(live_server.url("/fr/help"))
    assert again.evaluate("localStorage.getItem('left-behind')") is None


def test_exit_link_is_the_first_stop_after_the_skip_link(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url("/fr/"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "quick-exit"
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.exit_url)
