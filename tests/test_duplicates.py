"""A second request from the same number: linked for the social worker, invisible to the public.

Another name for the same number may mean someone is looking for the person: the back office says
so; the public side answers exactly as for any request.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.staff import StaffAccount, staff_client
from helpers.web import rows, text_of

from portal.models import CallbackRequest

CODE_RE = re.compile(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>')


def public_answer(client: FlaskClient, submit: Callable[..., Any], **fields: Any) -> dict[str, Any]:
    """What the person sees after sending the form: the redirect, then the confirmation page."""
    sent = submit(**fields)
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    code = CODE_RE.search(page)
    assert code, "the confirmation shows a cancel code"
    return {
        "status": sent.status_code,
        "location": sent.headers["Location"],
        "page": page.replace(code.group(1), "CODE"),
        "headers": sorted(k for k in sent.headers.keys() if k.lower() != "content-length"),
    }


@pytest.fixture
def worker(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> FlaskClient:
    return staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))


def test_the_same_number_written_differently_is_linked(
    app: Flask,
    client: FlaskClient,
    submit: Callable[..., Any],
    stored_requests: Callable[[], list[CallbackRequest]],
    worker: FlaskClient,
) -> None:
    first = public_answer(client, submit, phone="06 12 34 56 78", name="Sam")
    second = public_answer(client, submit, phone="+33 6.12.34.56.78", name="sam")
    assert first == second
    older, newer = stored_requests()
    assert newer.duplicate_of_id == older.id and older.duplicate_of_id is None
    assert not newer.name_conflict
    text = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert "Same number as another request" in text[older.id]
    assert "Same number as another request" in text[newer.id]
    assert "another name" not in text[newer.id]
    page = text_of(worker.get(f"/staff/requests/{newer.id}"))
    siblings = page.split("Other requests from the same number", 1)[1].split("</ul>", 1)[0]
    assert older.reference in siblings
    assert "Someone may be looking for this person" not in page


def test_another_name_for_the_same_number_is_flagged_and_the_answer_is_the_same(
    app: Flask,
    client: FlaskClient,
    submit: Callable[..., Any],
    stored_requests: Callable[[], list[CallbackRequest]],
    worker: FlaskClient,
) -> None:
    first = public_answer(client, submit, phone="06 12 34 56 78", name="Sam")
    other_name = public_answer(client, submit, phone="0612345678", name="Nadia")
    assert other_name == first
    older, newer = stored_requests()
    assert newer.duplicate_of_id == older.id
    assert newer.name_conflict and not older.name_conflict
    text = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert "Same number, another name: be careful" in text[newer.id]
    page = text_of(worker.get(f"/staff/requests/{newer.id}"))
    assert "Someone may be looking for this person" in page
    assert older.reference in page.split("Other requests from the same number", 1)[1]
    older_page = text_of(worker.get(f"/staff/requests/{older.id}"))
    assert newer.reference in older_page.split("Other requests from the same number", 1)[1]


def test_a_new_number_is_neither_linked_nor_flagged(
    client: FlaskClient,
    submit: Callable[..., Any],
    stored_requests: Callable[[], list[CallbackRequest]],
    worker: FlaskClient,
) -> None:
    first = public_answer(client, submit, phone="06 12 34 56 78", name="Sam")
    other = public_answer(client, submit, phone="06 98 76 54 32", name="Nadia")
    assert other == first
    older, newer = stored_requests()
    assert newer.duplicate_of_id is None and not newer.name_conflict
    text = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert all("Same number" not in row for row in text.values())
    page = html.unescape(worker.get(f"/staff/requests/{newer.id}").get_data(as_text=True))
    assert "Other requests from the same number" not in page


def test_a_request_without_a_name_raises_no_name_flag(
    client: FlaskClient,
    submit: Callable[..., Any],
    stored_requests: Callable[[], list[CallbackRequest]],
) -> None:
    public_answer(client, submit, phone="06 12 34 56 78", name="Sam")
    public_answer(client, submit, phone="06 12 34 56 78", name="")
    older, newer = stored_requests()
    assert newer.duplicate_of_id == older.id and not newer.name_conflict
