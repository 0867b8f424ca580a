"""On a 360-px phone: the heading and the phone field in the first screen in every language, and
phone numbers that read on one line, left to right, in Arabic, Persian and French."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from helpers.live_server import LiveServer
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

WIDTH, HEIGHT = 360, 640
NBSP = "\u00a0"
EXAMPLE = NBSP.join(["06", "12", "34", "56", "78"])
CALLBACK = NBSP.join(["04", "65", "71", "00", "01"])

# Where each group of a number is drawn: one rectangle per group, found in the text nodes.
GROUPS_JS = """([root, number]) => {
  const walker = document.createTreeWalker(document.querySelector(root), NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode()) && !node.data.includes(number)) {}
  if (!node) { return null; }
  let at = node.data.indexOf(number);
  return number.split('\\u00a0').map(group => {
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + group.length);
    at += group.length + 1;
    const r = range.getBoundingClientRect();
    return {group, left: r.left, right: r.right, top: r.top};
  });
}"""


@pytest.fixture
def small_phone(playwright: Playwright, browser: Browser) -> Iterator[Callable[..., Page]]:
    """A 360 × 640 phone, with or without JavaScript."""
    opened: list[BrowserContext] = []

    def open_tab(javascript: bool = True) -> Page:
        device: dict[str, Any] = {**playwright.devices["Pixel 5"]}
        device.pop("default_browser_type", None)
        device["viewport"] = {"width": WIDTH, "height": HEIGHT}
        context = browser.new_context(**device, java_script_enabled=javascript)
        opened.append(context)
        return context.new_page()

    yield open_tab
    for context in opened:
        context.close()


def below_the_fold(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    assert box, selector
    return box["y"] < 0 or box["y"] + box["height"] > HEIGHT


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_heading_and_phone_field_in_the_first_screen_in_every_language(
    small_phone: Callable[..., Page], live_server: LiveServer, javascript: bool
) -> None:
    page = small_phone(javascript)
    late = []
    for lang in live_server.app.config["PUBLIC_LANGUAGES"]:
        page.goto(live_server.url(f"/{lang}/"))
        late += [f"{lang} {sel}" for sel in ("h1", "#phone") if below_the_fold(page, sel)]
    assert late == []


def assert_one_line_left_to_right(page: Page, root: str, number: str) -> None:
    groups = page.evaluate(GROUPS_JS, [root, number])
    assert groups, f"{number!r} not found in {root}"
    tops = {round(g["top"]) for g in groups}
    assert len(tops) == 1, groups
    lefts = [g["left"] for g in groups]
    assert lefts == sorted(lefts) and len(set(lefts)) == len(lefts), groups
    assert all(g["right"] <= g2["left"] + 0.5 for g, g2 in zip(groups, groups[1:], strict=False))
    assert 0 <= groups[0]["left"] and groups[-1]["right"] <= WIDTH, groups


@pytest.mark.parametrize("lang", ["ar", "fa", "fr"])
def test_numbers_read_on_one_line_left_to_right(
    small_phone: Callable[..., Page], live_server: LiveServer, lang: str
) -> None:
    page = small_phone()
    page.goto(live_server.url(f"/{lang}/"))
    assert_one_line_left_to_right(page, "#phone-hint", EXAMPLE)
    page.locator("#phone").fill("06 12 34 56 78")
    page.locator("#windows-1").check()
    page.locator("#danger-0").check()
    page.locator("#station").select_option("st-etienne")
    page.locator("#consent").check()
    page.locator("button[type=submit]").click()
    expect(page.locator(".code")).to_be_visible()
    assert_one_line_left_to_right(page, "main", CALLBACK)
