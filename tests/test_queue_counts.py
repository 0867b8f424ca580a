"""The queue's status counts count what its rows show: one entry per number, not requests."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from helpers.factories import new_request
from helpers.staff import StaffAccount, staff_client
from helpers.web import rows


def test_new_counts_the_lines_of_the_queue(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    for _n in range(3):
        new_request(app, phone_e164="+33612345678")
    new_request(app)
    new_request(app)
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    page = worker.get("/staff/").get_data(as_text=True)
    shown = rows(page)
    counted = re.search(r"New: <strong>(\d+)</strong>", html.unescape(page))
    assert counted is not None
    assert len(shown) == 3 and int(counted[1]) == 3
