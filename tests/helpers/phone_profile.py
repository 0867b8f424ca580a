"""A phone-like Chromium for the browser tests: a real profile on disk, the back-forward cache on
(Playwright turns it off by default), and a visit that sends a request and reads her code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright, expect

from helpers.live_server import CHROMIUM, CHROMIUM_ARGS, LiveServer

CODE_RE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}")


@contextmanager
def phone_profile(
    playwright: Playwright, profile: Path, javascript: bool
) -> Iterator[BrowserContext]:
    """A persistent Chromium profile under `profile`, with the back-forward cache on."""
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
        java_script_enabled=javascript,
    )
    try:
        yield context
    finally:
        context.close()


def send_a_request(page: Page, live: LiveServer, phone: str = "07 58 11 22 33") -> str:
    """Fill in the English form and send it; her one-time code, as the confirmation shows it."""
    page.goto(live.url("/en/"))
    page.locator("#phone").fill(phone)
    page.locator("#windows-1").check()
    page.locator("#danger-0").check()
    page.locator("#consent").check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("h1")).to_have_text("Your request is saved")
    code = page.locator("p.code").inner_text().strip()
    assert CODE_RE.fullmatch(code), code
    return code


def files_holding(profile: Path, needles: list[str]) -> list[str]:
    """The files of the profile that hold any needle, in UTF-8 or UTF-16LE."""
    found = []
    for path in profile.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        folded = data.replace(b"\x00", b"")
        if any(n.encode() in data or n.encode() in folded for n in needles):
            found.append(str(path.relative_to(profile)))
    return found
