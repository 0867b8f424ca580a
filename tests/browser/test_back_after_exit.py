"""Back after the quick exit, on a phone-like Chromium (back-forward cache on, a real profile):
her one-time code never comes back, with JavaScript or without; and opening her request with
that code leaves it nowhere in the profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.live_server import LiveServer
from helpers.phone_profile import files_holding, phone_profile, send_a_request
from playwright.sync_api import Page, Playwright, expect

WAIT_MS = 3000  # a page restored from the back-forward cache shows at once; a few seconds more


def _leave_then_back(page: Page, live: LiveServer) -> str:
    page.locator("a[data-exit]").click()
    page.wait_for_url(live.exit_url)
    page.go_back(wait_until="commit")
    page.wait_for_timeout(WAIT_MS)
    return page.content()


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_back_after_the_exit_never_shows_her_code(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path, javascript: bool
) -> None:
    with phone_profile(playwright, tmp_path / "profile", javascript) as context:
        page = context.new_page()
        code = send_a_request(page, live_server)
        after = _leave_then_back(page, live_server)
        assert code not in after
        if not javascript and live_server.is_portal(page.url):
            # The confirmation asked again: shown once, it has nothing more to show.
            expect(page.locator("h1")).to_have_text("Nothing to show")
        # And once more, for good measure: Back again from wherever that left her.
        page.go_back(wait_until="commit")
        page.wait_for_timeout(500)
        assert code not in page.content()


def test_opening_her_request_leaves_no_code_in_the_profile(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    with phone_profile(playwright, profile, javascript=False) as context:
        page = context.new_page()
        code = send_a_request(page, live_server)
        page.goto(live_server.url("/en/cancel"))
        page.locator("#code").fill(code)
        page.get_by_role("button", name="Open my request").click()
        expect(page.locator("#state")).to_contain_text("Waiting")
        assert page.url == live_server.url("/en/cancel")
        page.locator("#windows-2").check()
        page.get_by_role("button", name="Save the changes").click()
        expect(page.locator("[role=status]")).to_contain_text("Your changes are saved")
        page.get_by_role("button", name="Cancel my request").click()
        expect(page.locator("h1")).to_have_text("Cancel your request?")
        page.get_by_role("button", name="Yes, cancel my request").click()
        expect(page.locator("h1")).to_have_text("Thank you")
        page.go_back(wait_until="commit")
        page.wait_for_timeout(1000)
        assert code not in page.content()
    assert files_holding(profile, [code, code.replace("-", "")]) == []
    assert live_server.stored_requests()[0].status == "cancelled"
