"""Accessibility in a real browser (RGAA 4.1, WCAG 2.1 AA): axe-core finds no violation on any
public page in any language nor on the back office, touch targets are large enough on a narrow
screen, and right-to-left pages read right to left."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from helpers.factories import new_request
from helpers.fixture_types import MakeStaff, Submit
from helpers.live_server import ARTIFACTS, LiveServer
from helpers.staff import StaffAccount
from playwright.sync_api import Browser, BrowserContext, Page, expect

from portal.core import db
from portal.core.config import DEFAULTS
from portal.directory.demo import create_demo_directory
from portal.models import StaffUser
from portal.staff import accounts
from portal.stations.cards import card_link, current_batch
from portal.stations.registry import station_by_code

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_TAGS},
    "resultTypes": ["violations"],
}
# On the public pages, axe's best practices too (every piece of content inside a landmark…).
PUBLIC_AXE_OPTIONS = {
    **AXE_OPTIONS,
    "runOnly": {"type": "tag", "values": [*WCAG_TAGS, "best-practice"]},
}
LANGUAGES: list[str] = list(DEFAULTS["PUBLIC_LANGUAGES"])
RIGHT_TO_LEFT = ("ar", "fa")
STATIC_PAGES = ("help", "directory", "privacy", "accessibility", "no-such-page")
MIN_TARGET = 44
# Fields a person types into or picks from, shown at their full size (not the browser's default).
SMALL_FIELDS_JS = """min => [...document.querySelectorAll(
    'input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea')]
  .filter(el => el.offsetParent !== null && !el.closest('[aria-hidden=true]'))
  .map(el => [el, Math.round(el.getBoundingClientRect().height)])
  .filter(([el, height]) => height < min)
  .map(([el, height]) => '#' + el.id + ' ' + el.type + ' ' + height + 'px')"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed by `npm ci` (make test does); skipped without it, but in CI."""
    if AXE_PATH.is_file():
        return AXE_PATH.read_text(encoding="utf-8")
    message = f"axe-core not found at {AXE_PATH}: run `npm ci` at the repository root (needs npm)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def small_fields_violation(fields: list[str]) -> dict[str, Any]:
    """Fields under 44 px high, told the way axe-core tells its own violations."""
    return {
        "id": "field-size",
        "impact": "serious",
        "help": f"Fields should be at least {MIN_TARGET}px high",
        "helpUrl": "portal/static/portal.css",
        "nodes": [{"target": [field], "failureSummary": "too small"} for field in fields],
    }


@dataclass
class AxeAudit:
    """Runs axe-core on pages and keeps every violation with the page it was found on; also
    finds fields smaller than a touch target, which axe does not look for."""

    source: str
    options: dict[str, Any] = field(default_factory=lambda: AXE_OPTIONS)
    checked: list[str] = field(default_factory=list)
    violations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    to_review: dict[str, set[str]] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def check(self, page: Page, where: str) -> None:
        # add_script_tag would be an inline script, which our CSP blocks; evaluate is not.
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self.source)
        result = page.evaluate("o => axe.run(document, o)", self.options)
        assert result["passes"], f"{where}: axe-core checked nothing"
        self.checked.append(where)
        small = page.evaluate(SMALL_FIELDS_JS, MIN_TARGET)
        self.violations.extend((where, small_fields_violation(small)) for _ in small[:1])
        for item in result["incomplete"]:
            targets = self.to_review.setdefault(item["id"], set())
            targets.update(f"{where} {json.dumps(node['target'])}" for node in item["nodes"])
        self.violations.extend((where, violation) for violation in result["violations"])

    def report(self) -> str:
        """One paragraph per violation: what, how bad, how to fix, and where."""
        lines = []
        for where, violation in self.violations:
            lines.append(
                f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}"
                f" <{violation['helpUrl']}>"
            )
            for node in violation["nodes"]:
                lines.append(f"    {json.dumps(node['target'])} {node['failureSummary']!r}")
        return "\n".join(lines)

    def summary(self, name: str) -> str:
        seconds = time.perf_counter() - self.started
        line = (
            f"{name}: {len(self.checked)} pages checked by axe-core, "
            f"{len(self.violations)} violations, {seconds:.1f} s; "
            f"left for a person to review: {', '.join(sorted(self.to_review)) or 'nothing'}"
        )
        review = [
            f"    {rule}: {target}"
            for rule, targets in sorted(self.to_review.items())
            for target in sorted(targets)
        ]
        ARTIFACTS.mkdir(exist_ok=True)
        with (ARTIFACTS / "accessibility.txt").open("a", encoding="utf-8") as log:
            log.write("\n".join([line, *review]) + "\n")
        return line

    def assert_clean(self, name: str) -> None:
        print(self.summary(name))
        if self.violations:
            heading = "Accessibility violations (axe-core's, and field-size of our own):\n"
            pytest.fail(heading + self.report(), pytrace=False)


@pytest.fixture
def audit(axe_source: str) -> AxeAudit:
    return AxeAudit(axe_source)


def card_path(live: LiveServer, lang: str) -> str:
    """The path printed on Saint-Étienne's cards, in this language."""
    with live.app.app_context():
        batch = current_batch(station_by_code("st-etienne"))
        db.session().commit()
        link = card_link(batch, lang)
    return link.removeprefix(live.origin)


def send_card_form(page: Page) -> str:
    """Fill in the card form (the person is in danger now) and send it; the cancel code shown."""
    page.locator("#phone").fill("06 12 34 56 78")
    page.locator("#windows-0").check()
    page.locator("#danger-1").check()
    page.locator("#consent").check()
    page.locator("button[type=submit]").click()
    code = page.locator(".code")
    expect(code).to_be_visible()
    return code.inner_text().strip()


def check_request_flow(page: Page, live: LiveServer, lang: str, audit: AxeAudit) -> None:
    """The form, its errors, the card form, the confirmation, and cancelling with the code."""
    page.goto(live.url(f"/{lang}/"))
    audit.check(page, f"/{lang}/ form")
    page.locator("button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_focused()
    audit.check(page, f"/{lang}/ form with errors")
    page.goto(live.url(card_path(live, lang)))
    audit.check(page, f"/{lang}/c/… card form")
    code = send_card_form(page)
    audit.check(page, f"/{lang}/sent after a request, in danger")
    page.goto(live.url(f"/{lang}/cancel"))
    audit.check(page, f"/{lang}/cancel")
    page.locator("button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_focused()
    audit.check(page, f"/{lang}/cancel with errors")
    page.locator("#code").fill(code)
    page.locator("button[type=submit]").click()
    expect(page.locator("#state")).to_be_visible()
    audit.check(page, f"/{lang}/cancel: the request opened with its code")
    page.locator("form:has([value=change]) button[type=submit]").click()
    expect(page.locator(".note[role=status]")).to_be_visible()
    audit.check(page, f"/{lang}/cancel: safe times changed")
    page.locator("form:has([value=ask-cancel]) button[type=submit]").click()
    expect(page.locator("form:has([value=cancel])")).to_be_visible()
    audit.check(page, f"/{lang}/cancel: asked once more")
    page.locator("form:has([value=cancel]) button[type=submit]").click()
    expect(page.locator("#state")).to_have_count(0)
    audit.check(page, f"/{lang}/cancel done")


@pytest.fixture
def directory_server(live_server: LiveServer) -> LiveServer:
    """The live portal with the demo directory, so the contacts page lists real entries."""
    with live_server.app.app_context():
        create_demo_directory()
        db.session().commit()
    return live_server


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_page_passes_axe(
    context: BrowserContext, directory_server: LiveServer, lang: str, axe_source: str
) -> None:
    audit = AxeAudit(axe_source, PUBLIC_AXE_OPTIONS)
    page = context.new_page()
    check_request_flow(page, directory_server, lang, audit)
    for name in STATIC_PAGES:
        response = page.goto(directory_server.url(f"/{lang}/{name}"))
        assert response and response.status == (404 if name == "no-such-page" else 200)
        audit.check(page, f"/{lang}/{name}")
    audit.assert_clean(f"public pages in {lang}")


# --- The back office, with the roles that use each page. ---


def log_in(page: Page, live: LiveServer, staff: StaffAccount) -> None:
    page.goto(live.url("/staff/login"))
    page.locator("#username").fill(staff.username)
    page.locator("#password").fill(staff.password)
    page.locator("#code").fill(staff.code())
    page.locator("button[type=submit]").click()
    expect(page.locator("form.logout")).to_be_visible()


def invitation_path(live: LiveServer, username: str) -> str:
    with live.app.app_context():
        user = db.session().query(StaffUser).filter_by(username=username).one()
        link = accounts.invitation_link(user)
        db.session().commit()
    return link.removeprefix(live.app.config["PUBLIC_BASE_URL"].rstrip("/"))


@dataclass
class BackOffice:
    """A browser context in one staff language, with the accounts that use the back office."""

    live: LiveServer
    browser: Browser
    locale: str
    people: dict[str, StaffAccount]
    contexts: list[BrowserContext] = field(default_factory=list)

    def page_as(self, role: str | None) -> Page:
        context = self.browser.new_context(locale=self.locale)
        self.contexts.append(context)
        page = context.new_page()
        if role:
            log_in(page, self.live, self.people[role])
        return page


@pytest.fixture
def back_office(
    browser: Browser,
    directory_server: LiveServer,
    make_staff: MakeStaff,
    submit: Submit,
    request: pytest.FixtureRequest,
) -> Iterator[BackOffice]:
    locale = request.param
    people = {
        role: make_staff(role, username=f"{role}-{locale}")
        for role in ("admin", "intervenant", "referrer", "partner")
    }
    make_staff("intervenant", username=f"newcomer-{locale}", enrolled=False)
    assert submit("/fr/", danger="yes").status_code == 303
    assert submit("/ar/", phone="07 98 76 54 32", name="Layla").status_code == 303
    # One past her last day, so that the queue shows that group under its heading.
    new_request(directory_server.app, do_not_call_after=dt.date.today() - dt.timedelta(days=2))
    office = BackOffice(directory_server, browser, locale, people)
    yield office
    for context in office.contexts:
        context.close()


def check_pages(page: Page, live: LiveServer, paths: list[str], audit: AxeAudit) -> None:
    for path in paths:
        response = page.goto(live.url(path))
        assert response and response.ok, f"{path}: {response and response.status}"
        audit.check(page, path)


@pytest.mark.parametrize("back_office", ["fr", "en"], indirect=True)
def test_back_office_pages_pass_axe(back_office: BackOffice, audit: AxeAudit) -> None:
    live = back_office.live
    page = back_office.page_as(None)
    page.goto(live.url("/staff/login"))
    audit.check(page, "/staff/login")
    page.locator("button[type=submit]").click()
    audit.check(page, "/staff/login with errors")
    page.goto(live.url(invitation_path(live, f"newcomer-{back_office.locale}")))
    audit.check(page, "/staff/invitation/…")

    page = back_office.page_as("intervenant")
    expect(page.locator("th[scope=rowgroup]")).to_have_count(1)  # those past her last day
    audit.check(page, "/staff/ queue (social worker)")
    page.locator("main a[href*='/staff/requests/']").first.click()
    expect(page.locator("h1")).to_be_visible()
    audit.check(page, "/staff/requests/… (social worker)")
    check_pages(page, live, ["/staff/directory"], audit)

    page = back_office.page_as("admin")
    admin_pages = [
        "/staff/",
        "/staff/?status=closed",
        "/staff/users",
        "/staff/users/new",
        "/staff/stations",
        "/staff/stations/new",
        "/staff/stations/roanne",
        "/staff/stats",
        "/staff/audit",
        "/staff/directory",
        "/staff/directory/new",
        "/staff/directory/recheck",
        "/staff/directory/corrections",
        "/staff/stats?view=quarter",
    ]
    check_pages(page, live, admin_pages, audit)
    page.goto(live.url("/staff/users"))
    page.locator("main a[href*='/staff/users/']").last.click()
    audit.check(page, "/staff/users/… edit")

    page = back_office.page_as("referrer")
    audit.check(page, "/staff/referral")
    page.locator("main button[type=submit]").click()
    audit.check(page, "/staff/referral with errors")

    page = back_office.page_as("partner")
    audit.check(page, "/staff/directory (partner)")
    audit.assert_clean(f"back office in {back_office.locale}")


# --- Touch targets, narrow screens and 200 % zoom. ---

# Emulating 200 % zoom: a 640-px wide window zoomed twice lays out like a 320-px one, and a
# 1280-px one like 640 px.
WIDTHS = (320, 640)
TARGETS = (
    ".quick-exit",
    "button[type=submit]",
    ".langs summary",
    ".langs a",
    ".foot a",
    ".num",
    ".more summary",
)
# A checkbox or a radio button is pressed on the box or on its label: together they make the target.
BOXES_JS = """() => [...document.querySelectorAll('main [type=checkbox], main [type=radio]')]
  .filter(box => box.offsetParent !== null)
  .map(box => {
    const rects = [box, ...box.labels].map(el => el.getBoundingClientRect());
    const left = Math.min(...rects.map(r => r.left)), right = Math.max(...rects.map(r => r.right));
    const top = Math.min(...rects.map(r => r.top)), bottom = Math.max(...rects.map(r => r.bottom));
    return {what: '#' + box.id, width: right - left, height: bottom - top, left, right};
  })"""
TARGETS_JS = """selectors => selectors.flatMap(s => [...document.querySelectorAll(s)]
  .filter(el => el.offsetParent !== null)
  .map(el => {
    const r = el.getBoundingClientRect();
    return {what: s + ' ' + el.textContent.trim().slice(0, 30), width: r.width, height: r.height,
            left: r.left, right: r.right};
  }))"""


def small_targets(page: Page, width: int) -> list[str]:
    """The links, buttons and boxes under 44 × 44 CSS pixels, or reaching outside the window."""
    found = page.evaluate(TARGETS_JS, list(TARGETS)) + page.evaluate(BOXES_JS)
    assert any(t["what"].startswith(".quick-exit") for t in found)
    return [
        f"{t['what']}: {t['width']:.0f}×{t['height']:.0f} at {t['left']:.0f}–{t['right']:.0f}"
        for t in found
        if t["width"] < MIN_TARGET - 0.5
        or t["height"] < MIN_TARGET - 0.5
        or t["left"] < 0
        or t["right"] > width + 0.5
    ]


def layout_problems(page: Page, width: int, where: str) -> list[str]:
    problems = [f"{where}: {problem}" for problem in small_targets(page, width)]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"{where}: scrolls sideways, {scroll_width}px wide")
    return problems


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_touch_targets_are_large_and_nothing_scrolls_sideways(
    browser: Browser, live_server: LiveServer, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 700}, has_touch=True)
    page = context.new_page()
    problems: list[str] = []
    for lang in LANGUAGES:
        for name in ("", "help", "directory", "cancel"):
            page.goto(live_server.url(f"/{lang}/{name}"))
            more = page.locator(".more summary")
            if name == "" and more.count():  # the short easy-to-read form has no "more options"
                more.click()
            problems += layout_problems(page, width, f"/{lang}/{name}")
    page.goto(live_server.url("/fr/"))
    page.locator("button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_focused()
    problems += layout_problems(page, width, "/fr/ with errors")
    context.close()
    assert problems == [], "\n".join(problems)


# --- Screenshots for a person to look at, and the direction of the writing. ---


@pytest.mark.parametrize("lang", ["fr", "ar", "fa"])
def test_form_screenshots_at_360_pixels_and_direction(
    browser: Browser,
    live_server: LiveServer,
    lang: str,
    save_screenshot: Callable[[Page, str], Path],
) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, locale=lang
    )
    page = context.new_page()
    page.goto(live_server.url(f"/{lang}/"))
    page.locator(".more summary").click()
    # Back to the top, with nothing focused: the sticky exit bar is drawn where it is on load.
    page.evaluate("document.activeElement.blur(), window.scrollTo(0, 0)")
    path = save_screenshot(page, f"accessibility-form-{lang}-360.png")
    assert path.stat().st_size > 10_000
    expected = "rtl" if lang in RIGHT_TO_LEFT else "ltr"
    assert page.evaluate("document.dir") == expected
    for selector in ("body", "main", "form", ".exit-bar", ".foot"):
        direction = page.evaluate(
            "s => getComputedStyle(document.querySelector(s)).direction", selector
        )
        assert direction == expected, f"{selector} in {lang}: {direction}"
    page.locator("button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_focused()
    page.evaluate("window.scrollTo(0, 0)")
    save_screenshot(page, f"accessibility-form-errors-{lang}-360.png")
    context.close()


def test_the_app_under_test_keeps_the_eleven_languages(app: Flask) -> None:
    assert app.config["PUBLIC_LANGUAGES"] == LANGUAGES
    assert set(RIGHT_TO_LEFT) <= set(app.config["RIGHT_TO_LEFT"])
