"""A flood of a few hundred submissions from many addresses: every person paced like a person,
each from her own address, is confirmed and stored (as `stats` counts them), none gets 429, and
those with a card are in the queue, not in "to check"."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from helpers.fixture_types import MakeApp
from helpers.staff import Clock
from helpers.web import VALID_FORM, csrf_token

from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.models import CallbackRequest
from portal.stations.cards import card_code, current_batch
from portal.stations.registry import station_by_code


def post(client: FlaskClient, path: str, token: str, address: str, **fields: str) -> int:
    data = {**VALID_FORM, "csrf_token": token, **fields}
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": address}).status_code


def test_people_get_through_a_flood(make_app: MakeApp, clock: Clock) -> None:
    app = make_app(MIN_FILL_SECONDS=2, UNKNOWN_RATE="20 per hour")
    with app.app_context():
        create_demo_stations()
        card = f"/fr/c/{card_code(current_batch(station_by_code('st-etienne')))}"
        db.session().commit()
    bots, lookalikes = app.test_client(), app.test_client()
    people = {n: app.test_client() for n in range(20)}
    paths = {n: card if n % 2 else "/fr/" for n in people}
    # Everyone loads the form; the caught bots send at once, from 200 addresses.
    tokens = {n: csrf_token(client, paths[n]) for n, client in people.items()}
    waiting = [csrf_token(lookalikes, "/fr/") for _ in range(100)]
    caught = [
        post(bots, "/fr/", csrf_token(bots, "/fr/"), f"10.0.{n // 250}.{n % 250 + 1}")
        for n in range(200)
    ]
    assert set(caught) == {200}  # the form again, nothing stored
    clock.advance(seconds=3)
    # Bots that wait like people, from many addresses, and the people among them.
    answers: dict[str, list[int]] = {"bot": [], "person": []}
    for n, token in enumerate(waiting):
        phone = f"07{58_000_000 + n:08d}"
        answers["bot"].append(post(lookalikes, "/fr/", token, f"100.64.{n % 4}.{n}", phone=phone))
        if n % 5 == 0:
            who = n // 5
            phone = f"06{40_000_000 + who:08d}"
            address = f"192.168.7.{who + 1}"
            status = post(people[who], paths[who], tokens[who], address, phone=phone)
            answers["person"].append(status)
    assert answers["person"] == [303] * 20 and answers["bot"] == [303] * 100
    result = app.test_cli_runner().invoke(args=["stats"])
    assert json.loads(result.output)["total"] == 120  # confirmed = stored
    with app.app_context():
        stored = db.session().query(CallbackRequest).all()
        carded = [r for r in stored if r.card_batch_id is not None]
        assert len(carded) == 10 and {(r.lane, r.trust) for r in carded} == {("queue", "card")}
        assert sum(r.lane == "check" for r in stored) >= 80
