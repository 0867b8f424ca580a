"""Trust a bot cannot buy cheaply: a solved proof of work earns the queue only within a bounded
rate, while a card keeps its place at any volume; the coordinator can send requests of the main
queue to "to check"; a search by phone number is audited without the number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request
from helpers.proofs import challenge_on, solve
from helpers.staff import StaffAccount, staff_client
from helpers.web import VALID_FORM, csrf_of, csrf_token, rows, text_of
from sqlalchemy import select

from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.models import AuditEvent, CallbackRequest
from portal.stations.cards import card_code, current_batch
from portal.stations.registry import station_by_code

EVERY_WINDOW = ["08:00-10:00", "10:00-12:00", "12:00-14:00", "14:00-17:00", "17:00-20:00"]


def stored(app: Flask) -> list[CallbackRequest]:
    with app.app_context():
        return list(db.session().scalars(select(CallbackRequest).order_by(CallbackRequest.id)))


def post(client: FlaskClient, path: str, address: str, **fields: Any) -> int:
    data = {**VALID_FORM, "csrf_token": csrf_token(client, path), **fields}
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": address}).status_code


@pytest.fixture
def site(make_app: Callable[..., Flask]) -> Flask:
    """The default rates; only the proof is made cheap, so that the test solves it quickly."""
    app = make_app(PROOF_MAX_NUMBER=2000)
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    return app


def test_solved_proofs_buy_a_bounded_rate_and_a_card_still_comes_first(
    site: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    bots = site.test_client()
    sent = [
        post(
            bots,
            "/fr/",
            f"10.9.{n // 200}.{n % 200 + 1}",
            phone=f"07{59_000_000 + n:08d}",
            danger="yes",
            windows=EVERY_WINDOW,
            proof=solve(challenge_on(bots)),
        )
        for n in range(100)
    ]
    assert sent == [303] * 100  # every one stored and confirmed
    with site.app_context():
        card = f"/fr/c/{card_code(current_batch(station_by_code('st-etienne')))}"
        db.session().commit()  # the station's first batch, made on demand
    assert post(site.test_client(), card, "192.168.1.20", phone="06 40 00 00 01") == 303
    requests = stored(site)
    proofs = [r for r in requests if r.trust == "proof"]
    assert len(proofs) == 100
    in_queue = [r for r in proofs if r.lane == "queue"]
    assert len(in_queue) < 100 and len(in_queue) <= 10 + 60  # station bound, then unknown rate
    assert {r.lane for r in proofs[len(in_queue) :]} == {"check"}
    carded = requests[-1]
    assert carded.trust == "card" and carded.lane == "queue" and not carded.urgent
    worker = staff_client(site, login_as, make_staff("intervenant", ["st-etienne"]))
    listed = [ident for ident, _ in rows(worker.get("/staff/").get_data(as_text=True))]
    assert listed[0] == carded.id
    for sort in ("?sort=oldest", "?sort=newest"):
        assert rows(worker.get(f"/staff/{sort}").get_data(as_text=True))[0][0] == carded.id


def test_the_proof_rate_is_bounded_per_station_and_overall(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(
        PROOF_MAX_NUMBER=2000,
        PROOF_STATION_RATE="2 per minute",
        PROOF_RATE="3 per minute",
        UNKNOWN_RATE="1 per minute",
    )
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    client = app.test_client()
    plan = ["st-etienne"] * 3 + ["roanne"] * 2
    for n, station in enumerate(plan):
        proof = solve(challenge_on(client))
        address = f"10.8.0.{n + 1}"
        assert (
            post(
                client,
                "/fr/",
                address,
                phone=f"07{58_100_000 + n:08d}",
                station=station,
                proof=proof,
            )
            == 303
        )
    lanes = [r.lane for r in stored(app)]
    # Saint-Étienne: two by proof, the third as unknown (the one unknown place of the minute);
    # Roanne: one by proof (three in all), then none left, even as unknown.
    assert lanes == ["queue", "queue", "queue", "queue", "check"]


def test_the_coordinator_sends_main_queue_requests_to_check(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    first = new_request(app, phone_e164="+33612345001")
    second = new_request(app, phone_e164="+33612345001")  # the same number: the same line
    kept = new_request(app)
    coordinator = staff_client(app, login_as, make_staff("admin"))
    page = coordinator.get("/staff/").get_data(as_text=True)
    assert f'name="selected" value="{first}"' in page
    response = coordinator.post(
        "/staff/queue/to-check", data={"selected": [str(first)], "csrf_token": csrf_of(page)}
    )
    assert response.status_code == 303
    assert "2 request(s) sent to “to check”" in text_of(coordinator.get("/staff/"))
    assert [i for i, _ in rows(coordinator.get("/staff/").get_data(as_text=True))] == [kept]
    lanes = {r.id: r.lane for r in stored(app)}
    assert lanes == {first: "check", second: "check", kept: "queue"}
    with app.app_context():
        event = (
            db.session().scalars(select(AuditEvent).where(AuditEvent.action == "triage.hold")).one()
        )
        assert event.details == {"count": 2}
    log = text_of(coordinator.get("/staff/audit?action=triage.hold"))
    assert "sent requests from the queue to “to check”" in log


def test_a_social_worker_has_no_selection(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    new_request(app)
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    assert 'name="selected"' not in worker.get("/staff/").get_data(as_text=True)


def test_a_search_by_phone_number_is_audited_without_the_number(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    new_request(app, phone_e164="+33612345678")
    worker = staff_client(app, login_as, make_staff("intervenant", ["st-etienne"]))
    token = csrf_of(worker.get("/staff/").get_data(as_text=True))
    found = worker.post("/staff/search", data={"q": "06 12 34 56 78", "csrf_token": token})
    assert found.status_code == 200 and len(rows(found.get_data(as_text=True))) == 1
    with app.app_context():
        events = (
            db.session()
            .scalars(select(AuditEvent).where(AuditEvent.action == "queue.search_phone"))
            .all()
        )
        assert len(events) == 1 and events[0].details == {"found": 1}
        assert "5678" not in repr((events[0].target, events[0].details))
