"""With the site's script, a warning comes before the idle limit, and "Stay signed in" keeps the
session without leaving the page (what she is typing stays)."""

from __future__ import annotations

from collections.abc import Callable

from helpers.live_server import LiveServer
from helpers.staff import StaffAccount
from playwright.sync_api import Browser

from browser.test_queue_screen import fill_queue, log_in


def test_a_warning_before_the_idle_limit_and_staying_signed_in_keeps_the_page(
    browser: Browser, live_server: LiveServer, make_staff: Callable[..., StaffAccount]
) -> None:
    worker = make_staff("intervenant", ["st-etienne"], username="marie")
    fill_queue(live_server, worker, count=2)
    # The warning period covers the whole idle limit: the page warns at once.
    live_server.app.config["STAFF_IDLE_WARNING_MINUTES"] = 15
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    page = context.new_page()
    log_in(page, live_server, worker)
    page.locator("table.queue a.ref").first.click()
    page.get_by_role("button", name="Take this request").click()
    page.locator("#attempt-note").fill("Elle rappellera ce soir")
    notice = page.locator("form.session-end")
    notice.and_(page.locator(".ending")).wait_for()
    assert (
        page.locator(".session-words[role=alert]").inner_text().startswith("Your session ends at")
    )
    url = page.url
    with page.expect_response("**/staff/session/keep") as kept:
        page.get_by_role("button", name="Stay signed in").click()
    assert kept.value.status == 204  # asked in the background: no new page
    assert page.url == url
    assert page.locator("#attempt-note").input_value() == "Elle rappellera ce soir"
    context.close()
