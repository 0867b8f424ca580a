"""The coordinator puts a station into service with the keyboard alone: she logs in, adds the
station, makes its first batch of cards, downloads their PDF and revokes the batch."""

from __future__ import annotations

import pytest
from helpers.fixture_types import MakeStaff
from helpers.live_server import LiveServer
from playwright.sync_api import Page, expect

from portal.core import db
from portal.models import AuditEvent, CardBatch, Station

MAX_TABS = 80


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element has the focus, as a keyboard user moves through a page."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} not reached with Tab")


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def follow(page: Page) -> None:
    """Press Enter on a link or in a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_coordinator_adds_a_station_makes_cards_and_revokes_them(
    page: Page, live_server: LiveServer, make_staff: MakeStaff
) -> None:
    admin = make_staff("admin", username="coordinatrice-clavier")
    page.goto(live_server.url("/staff/login"))
    type_into(page, "#username", admin.username)
    type_into(page, "#password", admin.password)
    type_into(page, "#code", admin.code())
    follow(page)
    expect(page.locator("form.logout")).to_be_visible()

    tab_to(page, "nav a[href='/staff/stations']")
    follow(page)
    tab_to(page, "main a[href='/staff/stations/new']")
    follow(page)
    type_into(page, "#code", "feurs")
    type_into(page, "#name", "Brigade de Feurs")
    tab_to(page, "#kind")
    page.keyboard.type("G")  # the select jumps to "Gendarmerie brigade"
    type_into(page, "#commune", "Feurs")
    type_into(page, "#callback_number", "04 65 71 00 09")
    type_into(page, "#calling_hours", "mar. et jeu. 14 h–18 h")
    follow(page)
    expect(page.locator("h1")).to_have_text("Brigade de Feurs")

    type_into(page, "#label", "Premier tirage")
    follow(page)
    expect(page.locator("main table td", has_text="In use")).to_be_visible()
    link = page.locator("main table code").inner_text()
    assert link.startswith(live_server.origin + "/") and len(link.rsplit("/", 1)[1]) == 7

    tab_to(page, "main a[href$='/cards.pdf']")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.startswith("cards-feurs-")
    assert download.value.path().read_bytes().startswith(b"%PDF")

    tab_to(page, "main form[action$='/revoke'] button")
    follow(page)
    expect(page.locator(".flash")).to_contain_text("revoked")
    expect(page.locator("main table td", has_text="Revoked")).to_be_visible()

    with live_server.app.app_context():
        station = db.session().query(Station).filter_by(code="feurs").one()
        [batch] = db.session().query(CardBatch).filter_by(station_id=station.id).all()
        actions = [e.action for e in db.session().query(AuditEvent).order_by(AuditEvent.id)]
        assert (station.kind, station.callback_number) == ("brigade", "+33465710009")
        assert batch.revoked_at is not None and batch.label == "Premier tirage"
    assert actions[-3:] == ["station_create", "card_batch_create", "card_batch_revoke"]
    # The card still leads to a form, now routed to the coordinator.
    page.goto(link)
    expect(page.locator(".note")).to_be_visible()
    expect(page.locator("#station")).to_have_count(0)
