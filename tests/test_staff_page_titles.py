"""Every back-office page has a title of its own: a person with many tabs, or a screen reader,
tells them apart by it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from helpers.factories import new_request
from helpers.staff import StaffAccount, in_english, staff_client

TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S)

COORDINATOR_PAGES = (
    "/staff/",
    "/staff/triage",
    "/staff/users",
    "/staff/users/new",
    "/staff/stations",
    "/staff/stations/new",
    "/staff/stations/roanne",
    "/staff/audit",
    "/staff/stats",
    "/staff/directory",
    "/staff/directory/new",
    "/staff/directory/recheck",
    "/staff/directory/corrections",
    "/staff/today",
)


def title(client: Any, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    found = TITLE_RE.search(response.get_data(as_text=True))
    assert found is not None, path
    return html.unescape(found[1]).strip()


def test_every_staff_page_has_its_own_title(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    request_id = new_request(app)
    coordinator = staff_client(app, login_as, make_staff("admin"))
    officer = staff_client(app, login_as, make_staff("referrer", ["st-etienne"]))
    titles = {path: title(coordinator, path) for path in COORDINATOR_PAGES}
    titles[f"/staff/requests/{request_id}"] = title(coordinator, f"/staff/requests/{request_id}")
    titles["/staff/referral"] = title(officer, "/staff/referral")
    titles["/staff/referrals"] = title(officer, "/staff/referrals")
    titles["/staff/login"] = title(in_english(app.test_client()), "/staff/login")
    assert all(t != "Back office" for t in titles.values()), titles
    assert len(set(titles.values())) == len(titles), titles
    assert titles[f"/staff/requests/{request_id}"].startswith("Request ")
