"""A second request from the same number: linked for the social worker, invisible to the public.

Another name for the same number may mean someone is looking for the person: the back office says
so; the public side answers exactly as for any request.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import LoginAs, MakeApp, MakeStaff, StoredRequests, Submit
from helpers.staff import staff_client
from helpers.web import rows, text_of

from portal.models import CallbackRequest

CODE_RE = re.compile(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>')


def public_answer(client: FlaskClient, submit: Submit, **fields: Any) -> dict[str, Any]:
    """What the person sees after sending the form: the redirect, then the confirmation page."""
    sent = submit(**fields)
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    code = CODE_RE.search(page)
    assert code, "the confirmation shows a cancel code"
    return {
        "status": sent.status_code,
        "location": sent.headers["Location"],
        # Her own number's last digits are read back to her: they differ with the number.
        "page": re.sub(
            r'<p id="number-understood">.*?</p>', "", page.replace(code.group(1), "CODE")
        ),
        "headers": sorted(k for k in sent.headers.keys() if k.lower() != "content-length"),
    }


@pytest.fixture
def worker(app: Flask, make_staff: MakeStaff, login_as: LoginAs) -> FlaskClient:
    return staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))


def test_the_same_number_written_differently_is_one_entry(
    app: Flask,
    client: FlaskClient,
    submit: Submit,
    stored_requests: StoredRequests,
    worker: FlaskClient,
) -> None:
    first = public_answer(client, submit, phone="06 12 34 56 78", name="Sam")
    second = public_answer(client, submit, phone="+33 6.12.34.56.78", name="sam")
    assert first == second
    older, newer = stored_requests()
    assert newer.duplicate_of_id == older.id and older.duplicate_of_id is None
    assert not newer.name_conflict
    text = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert list(text) == [older.id]
    assert "2 requests from this number" in text[older.id]
    assert "different details" not in text[older.id]
    page = text_of(worker.get(f"/staff/requests/{older.id}"))
    siblings = page.split("Other requests from the same number", 1)[1].split("</ul>", 1)[0]
    assert newer.reference in siblings
    assert "Someone else may be using this number" not in page


def test_another_name_for_the_same_number_is_flagged_and_the_answer_is_the_same(
    app: Flask,
    client: FlaskClient,
    submit: Submit,
    stored_requests: StoredRequests,
    worker: FlaskClient,
) -> None:
    first = public_answer(client, submit, phone="06 12 34 56 78", name="Sam")
    other_name = public_answer(client, submit, phone="0612345678", name="Nadia")
    assert other_name == first
    older, newer = stored_requests()
    assert newer.duplicate_of_id == older.id
    assert newer.name_conflict and older.name_conflict  # the entry carries the warning
    text = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert "Same number, different details: be careful" in text[older.id]
    page = text_of(worker.get(f"/staff/requests/{older.id}"))
    assert "Someone else may be using this number" in page
    assert newer.reference in page.split("Other requests from the same number", 1)[1]
    newer_page = text_of(worker.get(f"/staff/requests/{newer.id}"))
    assert "Someone else may be using this number" in newer_page
    assert older.reference in newer_page.split("Other requests from the same number", 1)[1]


@pytest.mark.parametrize(
    "change",
    [{"windows": ["08:00-10:00"]}, {"if_someone_else": "Dis que c'est la pharmacie"}],
)
def test_other_windows_or_cover_story_are_flagged(
    client: FlaskClient,
    submit: Submit,
    stored_requests: StoredRequests,
    worker: FlaskClient,
    change: dict[str, Any],
) -> None:
    public_answer(client, submit, if_someone_else="Dis que c'est l'école")
    public_answer(client, submit, **change)
    older, _newer = stored_requests()
    assert older.name_conflict
    text = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert "Same number, different details: be careful" in text[older.id]


def test_four_requests_from_one_number_are_four_stored_in_one_entry(
    client: FlaskClient,
    submit: Submit,
    stored_requests: StoredRequests,
    worker: FlaskClient,
) -> None:
    """The abuser files three first; her own fourth is stored, shown first, and flagged."""
    for _ in range(3):
        public_answer(client, submit, name="Léa", windows=["08:00-10:00"])
    mine = public_answer(client, submit, name="Sam", windows=["10:00-12:00"])
    assert "CODE" in mine["page"]
    stored = stored_requests()
    assert len(stored) == 4
    head = stored[0]
    text = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert list(text) == [head.id]
    assert "4 requests from this number" in text[head.id]
    assert "different details" in text[head.id]
    page = text_of(worker.get(f"/staff/requests/{head.id}"))
    listed = page.split("Other requests from the same number", 1)[1].split("</ul>", 1)[0]
    references = [r.reference for r in stored[1:]]
    assert [listed.index(ref) for ref in reversed(references)] == sorted(
        listed.index(ref) for ref in references
    ), "newest first"
    assert "10:00" in listed.split(references[-1], 1)[1].split("</li>", 1)[0]
    assert "Someone else may be using this number" in page


def test_a_number_past_the_bound_writes_over_its_newest_request(
    make_app: MakeApp, stored_requests: StoredRequests
) -> None:
    from helpers.web import VALID_FORM, csrf_token

    from portal.cli.demo_data import create_demo_stations
    from portal.core import crypto, db

    app = make_app(MAX_OPEN_PER_PHONE=2)
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    browser = app.test_client()
    for name in ("Léa", "Inès", "Sam"):
        data = {**VALID_FORM, "name": name, "csrf_token": csrf_token(browser, "/fr/")}
        assert browser.post("/fr/", data=data).status_code == 303
    with app.app_context():
        found = db.session().query(CallbackRequest).order_by(CallbackRequest.id).all()
        names = [crypto.decrypt(r.name_enc) for r in found]
        folds = [r.folded_count for r in found]
    assert names == ["Léa", "Sam"] and folds == [0, 1]


def test_a_new_number_is_neither_linked_nor_flagged(
    client: FlaskClient,
    submit: Submit,
    stored_requests: StoredRequests,
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
    submit: Submit,
    stored_requests: StoredRequests,
) -> None:
    public_answer(client, submit, phone="06 12 34 56 78", name="Sam")
    public_answer(client, submit, phone="06 12 34 56 78", name="")
    older, newer = stored_requests()
    assert newer.duplicate_of_id == older.id and not newer.name_conflict
