"""The directory, with its entries, fits a 320-pixel-wide phone without sideways scrolling (RGAA
10.11), in French, in a long-worded language and right to left."""

from __future__ import annotations

import pytest
from helpers.live_server import LiveServer
from playwright.sync_api import Browser

from portal.core import db
from portal.directory.demo import create_demo_directory

WIDTH, HEIGHT = 320, 640


@pytest.mark.parametrize("lang", ["fr", "ru", "ar"])
def test_the_directory_does_not_scroll_sideways_at_320_pixels(
    browser: Browser, live_server: LiveServer, lang: str
) -> None:
    with live_server.app.app_context():
        create_demo_directory()
        db.session().commit()
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(live_server.url(f"/{lang}/directory"))
        assert page.locator("article.entry").count() > 0
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= WIDTH, f"/{lang}/directory is {wide}px wide"
    finally:
        context.close()
