"""What a real Chromium profile keeps on disk after a visit: searched file by file, as someone
picking up the phone could, for what she typed, a cookie of the site and a cached page of it."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.live_server import CHROMIUM, CHROMIUM_ARGS, LiveServer
from playwright.sync_api import BrowserContext, Page, Playwright, expect

PHONE_TYPED = "07 58 11 22 33"
# Her number in any format (06…, +33 6…, 0033…, with spaces, dots or %20) holds these digits.
PHONE_DIGITS = b"758112233"
NAME = "Zelindra"
MESSAGE = "quartz lantern"
WORDS = (NAME.encode(), b"quartz", b"lantern")


def fill_and_send(page: Page, live: LiveServer) -> None:
    page.goto(live.url("/en/"))
    page.locator("#phone").fill(PHONE_TYPED)
    page.locator("#name").fill(NAME)
    page.locator("#windows-1").check()
    page.locator("#danger-0").check()
    page.locator("#message").fill(MESSAGE)
    page.locator("#consent").check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("h1")).to_have_text("Your request is saved")


def leave(page: Page, how: str, live: LiveServer) -> None:
    if how == "exit":
        page.locator("a[data-exit]").click()
        page.wait_for_url(live.exit_url)
    else:
        page.close()


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and not path.is_symlink()]


def what_a_file_gives_away(path: Path) -> list[str]:
    """The typed things this file holds, in UTF-8 or UTF-16 (digits searched alone, any format)."""
    data = path.read_bytes()
    found = []
    if PHONE_DIGITS in re.sub(rb"[^0-9]", b"", data):
        found.append("phone")
    folded = data.lower().replace(b"\x00", b"")  # UTF-16LE text, once its zero bytes are gone
    found += [word.decode() for word in WORDS if word.lower() in folded]
    return found


def site_cookies(profile: Path) -> list[tuple[str, str, int]]:
    path = profile / "Default" / "Cookies"
    if not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT host_key, name, is_persistent FROM cookies").fetchall()
    return [row for row in rows if "127.0.0.1" in row[0]]


def cached_site_entries(profile: Path, origin: str) -> list[str]:
    cache = profile / "Default" / "Cache"
    needle = origin.encode()
    return [str(path) for path in files_under(cache) if needle in path.read_bytes()]


@pytest.fixture
def visit(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path
) -> Callable[[bool, str], Path]:
    """A whole visit in a persistent profile, back-forward cache on as on a phone."""

    def run(javascript: bool, how: str) -> Path:
        profile = tmp_path / "profile"
        context: BrowserContext = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            ignore_default_args=["--disable-back-forward-cache"],
            java_script_enabled=javascript,
        )
        try:
            page = context.new_page()
            fill_and_send(page, live_server)
            if not javascript:
                # Back to the form: nothing she typed comes back.
                page.go_back()
                expect(page.locator("#phone")).to_have_value("")
                expect(page.locator("#message")).to_have_value("")
            leave(page, how, live_server)
        finally:
            context.close()
        return profile

    return run


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("how", ["exit", "close"])
def test_the_profile_keeps_nothing_she_typed(
    visit: Callable[[bool, str], Path], live_server: LiveServer, javascript: bool, how: str
) -> None:
    profile = visit(javascript, how)
    assert len(live_server.stored_requests()) == 1
    files = files_under(profile)
    assert any(path.name == "History" for path in files), "not a real profile"
    leaks = {
        str(p.relative_to(profile)): found for p in files if (found := what_a_file_gives_away(p))
    }
    assert leaks == {}
    cookies = site_cookies(profile)
    assert [c for c in cookies if c[2]] == [], "a persistent cookie"
    if javascript or how == "exit":
        # The visit ended on the confirmation (or the exit): not even a session cookie is left.
        assert cookies == []
    assert cached_site_entries(profile, live_server.origin) == []
