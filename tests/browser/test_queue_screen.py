"""The queue on a laptop screen (1366 × 768), as a social worker uses it through a pilot day."""

from __future__ import annotations

import itertools

import pytest
from helpers.factories import stored_row
from helpers.fixture_types import MakeStaff
from helpers.live_server import LiveServer
from helpers.staff import StaffAccount
from playwright.sync_api import Browser, Page, ViewportSize

from portal.casework import transitions
from portal.core import db
from portal.intake import callbacks
from portal.models import CallbackRequest, StaffUser, Station

LAPTOP: ViewportSize = {"width": 1366, "height": 768}
NUMBER = "+33758112233"
LANGUAGES = itertools.cycle(["fr", "fr", "ar", "tr", "fr", "uk"])
WINDOWS = itertools.cycle([["08:00-10:00", "17:00-20:00"], ["10:00-12:00"], ["14:00-17:00"]])


def fill_queue(live: LiveServer, worker: StaffAccount, count: int = 30) -> dict[str, str]:
    """A realistic queue: languages, urgent ones, one number to find; the worker holds three."""
    found: dict[str, str] = {}
    with live.app.app_context():
        station = db.session().query(Station).filter_by(code="st-etienne").one()
        for n in range(count):
            details = callbacks.RequestDetails(
                phone_e164=NUMBER if n == 7 else f"+336123{n:05d}",
                call_language=next(LANGUAGES),
                page_language="fr",
                safe_windows=next(WINDOWS),
                urgent=n % 9 == 0,
                station_id=station.id,
            )
            request_id = callbacks.submit_request(details).request_id
            request = stored_row(CallbackRequest, request_id)
            if n == 7:
                found["number"] = request.reference
            if n in (3, 12, 20):
                user = stored_row(StaffUser, worker.id)
                transitions.take(request, user, request.version)
                transitions.commit_action()
                found.setdefault("mine", "")
                found["mine"] += request.reference + " "
    return found


def log_in(page: Page, live: LiveServer, staff: StaffAccount) -> None:
    page.goto(live.url("/staff/login"))
    page.locator("#username").fill(staff.username)
    page.locator("#password").fill(staff.password)
    page.locator("#code").fill(staff.code())
    page.locator("main button[type=submit]").click()
    page.wait_for_url(live.url("/staff/"))


@pytest.fixture
def laptop(browser: Browser) -> Page:
    context = browser.new_context(viewport=LAPTOP, locale="en-GB")
    return context.new_page()


def row_texts(page: Page) -> list[str]:
    return page.locator("table.queue tbody tr").all_inner_texts()


def test_a_laptop_holds_fifteen_rows_and_finds_a_number_as_typed(
    laptop: Page, live_server: LiveServer, make_staff: MakeStaff
) -> None:
    worker = make_staff("intervenant", ["st-etienne"], username="marie")
    made = fill_queue(live_server, worker)
    log_in(laptop, live_server, worker)
    visible = laptop.evaluate(
        """() => [...document.querySelectorAll('table.queue tbody tr')]
                 .filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length"""
    )
    assert visible >= 15, f"only {visible} rows fit on a 1366 × 768 screen"
    assert laptop.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    assert "Urgent" in row_texts(laptop)[0]

    laptop.locator("#q").fill("07 58 11 22 33")
    laptop.locator("#q").press("Enter")
    laptop.wait_for_url("**/staff/search")
    found = row_texts(laptop)
    assert len(found) == 1 and made["number"] in found[0]

    laptop.goto(live_server.url("/staff/"))
    laptop.locator("#mine").check()
    laptop.get_by_role("button", name="Show").click()
    laptop.wait_for_url("**mine=1*")
    mine = row_texts(laptop)
    assert sorted(r.split()[0] for r in mine) == sorted(made["mine"].split())
    assert all("marie" in r for r in mine)


def test_someone_else_answered_shows_in_the_row(
    laptop: Page, live_server: LiveServer, make_staff: MakeStaff
) -> None:
    worker = make_staff("intervenant", ["st-etienne"], username="marie")
    with live_server.app.app_context():
        station = db.session().query(Station).filter_by(code="st-etienne").one()
        details = callbacks.RequestDetails(
            phone_e164=NUMBER,
            call_language="ar",
            page_language="ar",
            safe_windows=["08:00-10:00", "10:00-12:00", "12:00-14:00", "14:00-17:00"],
            station_id=station.id,
        )
        callbacks.submit_request(details)
    log_in(laptop, live_server, worker)
    laptop.locator("table.queue a.ref").first.click()
    laptop.get_by_role("button", name="Take this request").click()
    laptop.get_by_label("Someone else answered").check()
    laptop.get_by_role("button", name="Save the attempt").click()
    assert (
        "Call attempt logged: someone else answered." in laptop.locator(".flash").first.inner_text()
    )
    laptop.get_by_role("link", name="Back to the queue").click()
    [row] = row_texts(laptop)
    assert "Arabic" in row and "Interpreter needed" in row
    assert "Someone else answered" in row and "Risk flag" in row
