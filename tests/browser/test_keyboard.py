"""The public site with the keyboard alone: Tab, Space, the arrow keys and Enter fill in and send
the request form, the quick exit is the first stop after the skip link, and every stop shows where
the focus is, never hidden under the sticky exit bar."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.live_server import LiveServer
from playwright.sync_api import BrowserContext, Page, expect

from portal.core import crypto
from portal.stations.registry import station_by_code

MAX_TABS = 60
PAGES = ("", "help", "directory", "cancel", "privacy", "accessibility")

# What a person sees of the focused element: an outline or a shadow, and the element itself on
# screen, not under the sticky exit bar (unless it is in that bar).
FOCUS_JS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const box = el.getBoundingClientRect();
  const bar = document.querySelector('.exit-bar').getBoundingClientRect();
  const inBar = document.querySelector('.exit-bar').contains(el);
  const label = el.id ? '#' + el.id : el.className ? '.' + el.className : '';
  return {
    what: el.tagName.toLowerCase() + label + ' ' + (el.textContent || '').trim().slice(0, 30),
    indicator: outline || style.boxShadow !== 'none',
    onScreen: box.bottom > 0 && box.top < window.innerHeight && box.width > 0,
    coveredByBar: !inBar && box.top < bar.bottom - 1 && box.bottom > bar.top + 1,
  };
}"""


class Keyboard:
    """Moves through a page with the keys a keyboard user has, checking each focus stop."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.unseen: list[str] = []
        self.stops: list[str] = []

    def focused(self) -> dict[str, Any]:
        return dict(self.page.evaluate(FOCUS_JS))

    def tab(self) -> dict[str, Any]:
        self.page.keyboard.press("Tab")
        focus = self.focused()
        self.stops.append(focus["what"])
        if not (focus["indicator"] and focus["onScreen"] and not focus["coveredByBar"]):
            self.unseen.append(str(focus))
        return focus

    def tab_to(self, selector: str) -> None:
        """Press Tab until the element is focused; every stop on the way must show its focus."""
        for _ in range(MAX_TABS):
            self.tab()
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"{selector} not reached with Tab; stops: {self.stops}")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)


def value(page: Page, selector: str) -> str:
    return str(page.locator(selector).input_value())


def fill_in_with_the_keyboard(page: Page, keys: Keyboard) -> dict[str, str]:
    """Every field of the form, reached with Tab and set with typing, Space and the arrows."""
    keys.tab_to("#phone")
    keys.type("06 12 34 56 78")
    keys.tab_to("#name")
    keys.type("Sam")
    for box in ("#windows-1", "#windows-3", "#voicemail_ok"):
        keys.tab_to(box)
        keys.press("Space")
    keys.tab_to("#call_language")
    language = value(page, "#call_language")
    keys.press("ArrowDown")
    assert value(page, "#call_language") != language, "the arrow key did not change the language"
    keys.tab_to("[name=danger]")
    keys.press("ArrowDown")  # to "Yes", then back: the arrows move through a radio group.
    keys.press("ArrowUp")
    keys.tab_to("#station")
    keys.press("ArrowDown")
    keys.tab_to("#message")
    keys.type("After 2 pm is better.")
    keys.tab_to(".more summary")
    keys.press("Enter")
    keys.tab_to("#if_someone_else")
    keys.type("A parcel delivery")
    keys.tab_to("#consent")
    keys.press("Space")
    keys.tab_to("button[type=submit]")
    return {"call_language": value(page, "#call_language"), "station": value(page, "#station")}


def assert_stored(live: LiveServer, chosen: dict[str, str], lang: str) -> None:
    (stored,) = live.stored_requests()
    assert stored.safe_windows == ["10:00-12:00", "14:00-17:00"]
    assert stored.voicemail_ok and not stored.sms_ok and not stored.urgent
    assert stored.call_language == chosen["call_language"] != lang
    assert stored.page_language == lang
    with live.app.app_context():
        assert stored.station_id == station_by_code(chosen["station"]).id
        assert crypto.decrypt(stored.name_enc) == "Sam"
        assert crypto.decrypt(stored.message_enc) == "After 2 pm is better."
        assert crypto.decrypt(stored.cover_story_enc) == "A parcel delivery"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_form_is_filled_in_and_sent_with_the_keyboard_alone(
    context: BrowserContext, live_server: LiveServer, lang: str
) -> None:
    page = context.new_page()
    page.goto(live_server.url(f"/{lang}/"))
    keys = Keyboard(page)
    chosen = fill_in_with_the_keyboard(page, keys)
    keys.press("Enter")
    expect(page.locator("h1")).to_be_focused()
    expect(page.locator(".code")).to_be_visible()
    assert page.url == live_server.url(f"/{lang}/sent")
    assert keys.unseen == [], "focus not visible at:\n" + "\n".join(keys.unseen)
    assert_stored(live_server, chosen, lang)


def test_errors_are_reached_and_followed_with_the_keyboard(
    context: BrowserContext, live_server: LiveServer
) -> None:
    page = context.new_page()
    page.goto(live_server.url("/en/"))
    keys = Keyboard(page)
    keys.tab_to("button[type=submit]")
    keys.press("Enter")
    expect(page.locator(".error-summary")).to_be_focused()
    keys.tab_to(".error-summary a")
    keys.press("Enter")
    # The field named by the first error is focused, in view below the sticky exit bar.
    expect(page.locator("#phone")).to_be_focused()
    focus = keys.focused()
    assert focus["onScreen"] and not focus["coveredByBar"], focus
    keys.type("06 12 34 56 78")
    assert value(page, "#phone") == "06 12 34 56 78"
    assert keys.unseen == [], "focus not visible at:\n" + "\n".join(keys.unseen)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_quick_exit_is_the_first_stop_after_the_skip_link(
    context: BrowserContext, live_server: LiveServer, lang: str
) -> None:
    page = context.new_page()
    for name in PAGES:
        page.goto(live_server.url(f"/{lang}/{name}"))
        keys = Keyboard(page)
        skip = keys.tab()
        assert skip["what"].startswith("a.skip"), (name, skip)
        exit_link = keys.tab()
        assert exit_link["what"].startswith("a.quick-exit"), (name, exit_link)
        assert keys.unseen == [], f"/{lang}/{name}: focus not visible at {keys.unseen}"
    keys.press("Enter")
    page.wait_for_url(live_server.exit_url)
    assert page.title() == "Weather"


def test_the_skip_link_takes_the_keyboard_to_the_content(
    context: BrowserContext, live_server: LiveServer
) -> None:
    page = context.new_page()
    page.goto(live_server.url("/en/help"))
    keys = Keyboard(page)
    keys.tab()
    keys.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab goes to the first link of the content, past the exit bar and the languages.
    focus = keys.tab()
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)"), focus
    assert keys.unseen == [], keys.unseen
