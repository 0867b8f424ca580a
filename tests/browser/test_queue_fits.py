"""The queue fits a laptop for every role (no sideways scroll, fifteen rows or more), and a
refused form's error summary is in view and focused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.live_server import LiveServer
from helpers.staff import StaffAccount
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from browser.test_queue_screen import NUMBER, fill_queue, log_in
from portal.casework.windows import SLOTS
from portal.core import db
from portal.intake import callbacks
from portal.models import CallbackRequest, StaffUser, Station, utcnow

SCREENS = {"1366x768": {"width": 1366, "height": 768}, "1280x720": {"width": 1280, "height": 720}}
ROWS_IN_VIEW = """() => [...document.querySelectorAll('table.queue tbody tr')]
    .filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length"""


def crowd_the_rows(live: LiveServer, worker: StaffAccount) -> None:
    """The longest rows a day gives: every warning at once, a long name, a call long due."""
    with live.app.app_context():
        station = db.session().scalars(select(Station).filter_by(code="st-etienne")).one()
        for _n in range(2):  # three requests from one number
            details = callbacks.RequestDetails(
                phone_e164=NUMBER,
                call_language="uk",
                page_language="uk",
                safe_windows=["20:00-22:00"],
                station_id=station.id,
            )
            callbacks.submit_request(details)
        details = callbacks.RequestDetails(
            phone_e164="+33612000999",
            call_language="fr",
            page_language="fr",
            safe_windows=list(SLOTS),  # safe at whatever hour the test runs
            station_id=station.id,
        )
        callbacks.submit_request(details)
        user = db.session().get(StaffUser, worker.id)
        assert user is not None
        user.display_name = "Marie-Christine Dupont-Lefebvre"
        query = select(CallbackRequest).order_by(CallbackRequest.id)
        for n, req in enumerate(db.session().scalars(query)):
            if n % 4 == 0:
                req.created_at = utcnow() - dt.timedelta(days=12)
                req.risk_flagged_at = utcnow()
                req.name_conflict = True
                req.source = "referral"
                req.last_attempt_outcome = "someone_else"
                req.attempt_count = 12
                req.next_attempt_at = utcnow() - dt.timedelta(days=3)
                req.assigned_to_id = user.id
        db.session().commit()


@pytest.fixture
def screen(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    width, height = SCREENS[request.param]["width"], SCREENS[request.param]["height"]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    yield context.new_page()
    context.close()


def fits(page: Page) -> tuple[int, int]:
    """How wide the page is, and how many queue rows are wholly on screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return int(width), int(page.evaluate(ROWS_IN_VIEW))


@pytest.mark.parametrize("screen", list(SCREENS), indirect=True)
@pytest.mark.parametrize("role", ["intervenant", "admin"])
def test_the_queue_fits_a_laptop(
    screen: Page,
    role: str,
    live_server: LiveServer,
    make_staff: Callable[..., StaffAccount],
    save_screenshot: Callable[[Page, str], Path],
) -> None:
    worker = make_staff("intervenant", ["st-etienne"], username="marie")
    fill_queue(live_server, worker)
    crowd_the_rows(live_server, worker)
    person = worker if role == "intervenant" else make_staff("admin", username="claire")
    log_in(screen, live_server, person)
    save_screenshot(
        screen, f"queue-{role}-{screen.viewport_size['width'] if screen.viewport_size else 0}.png"
    )
    width, rows = fits(screen)
    viewport = screen.viewport_size
    assert viewport is not None
    assert width <= viewport["width"], f"{width} px wide on a {viewport['width']} px screen"
    if viewport["width"] == 1366:
        assert rows >= 15, f"only {rows} rows in view at 1366 × 768 for {role}"
    # Every menu entry on one line.
    tops = screen.evaluate(
        "[...document.querySelectorAll('.staff-top nav li')]"
        ".map(li => li.getBoundingClientRect().top)"
    )
    assert len(set(tops)) == 1
    # "Call possible now" is a tag, not words lost in a sentence.
    assert screen.locator("table.queue .tag.now").count() >= 1


@pytest.mark.parametrize("screen", ["1366x768"], indirect=True)
def test_an_attempt_without_an_outcome_puts_the_error_summary_in_view_and_in_focus(
    screen: Page, live_server: LiveServer, make_staff: Callable[..., StaffAccount]
) -> None:
    worker = make_staff("intervenant", ["st-etienne"], username="marie")
    fill_queue(live_server, worker, count=3)
    log_in(screen, live_server, worker)
    screen.locator("table.queue a.ref").first.click()
    screen.get_by_role("button", name="Take this request").click()
    screen.locator("#attempt-note").fill("Pas de réponse, messagerie pleine")
    screen.get_by_role("button", name="Save the attempt").click()
    summary = screen.locator(".error-summary")
    summary.wait_for()
    # The site's deferred script moves the focus: wait for it, as a person's screen reader would.
    expect(summary).to_be_focused()
    assert screen.evaluate("document.activeElement.id") == "error-summary"
    box = summary.bounding_box()
    assert box is not None and 0 <= box["y"] < 720
    link = summary.get_by_role("link", name="Choose what happened.")
    assert link.get_attribute("href") == "#attempt-outcome-0"
    group = screen.locator("fieldset#attempt-outcome")
    described = (group.get_attribute("aria-describedby") or "").split()
    assert "attempt-outcome-error" in described
    assert screen.locator("#attempt-outcome-error").inner_text().endswith("Choose what happened.")
    assert screen.title().startswith("Request ")
