"""The proof of work the form's own script solves: a fresh challenge on every page, a solution that
keeps the request's place in the queue during a flood, accepted once, never needed."""

from __future__ import annotations

import base64
import html
import json
import re
import time
from typing import Any

import pytest
import time_machine
from altcha.v1 import solve_challenge
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import MakeApp
from helpers.web import VALID_FORM, csrf_token

from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.models import CallbackRequest

PROOF_RE = re.compile(r'data-proof="([^"]+)"')


@pytest.fixture
def flooded(make_app: MakeApp) -> Flask:
    """Past its first unknown request a minute, the form puts the others in "to check"."""
    app = make_app(UNKNOWN_RATE="1 per minute", PROOF_MAX_NUMBER=2000)
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    return app


def challenge_on(client: FlaskClient, path: str = "/fr/") -> dict[str, Any]:
    found = PROOF_RE.search(client.get(path).get_data(as_text=True))
    assert found, "the form carries a challenge for its script"
    challenge: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return challenge


def solve(task: dict[str, Any]) -> str:
    """What the page's script puts in the form once it found the number."""
    solution = solve_challenge(
        task["challenge"], task["salt"], task["algorithm"], task["maxNumber"]
    )
    assert solution is not None
    payload = {
        "algorithm": task["algorithm"],
        "challenge": task["challenge"],
        "number": solution.number,
        "salt": task["salt"],
        "signature": task["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def send(client: FlaskClient, phone: str, proof: str | None = None) -> int:
    data = {**VALID_FORM, "phone": phone, "csrf_token": csrf_token(client, "/fr/")}
    if proof is not None:
        data["proof"] = proof
    return client.post("/fr/", data=data).status_code


def lanes(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session().query(CallbackRequest).order_by(CallbackRequest.id)
        return [(r.lane, r.trust) for r in rows]


def test_every_visitor_gets_her_own_challenge(flooded: Flask) -> None:
    client = flooded.test_client()
    first, second = challenge_on(client), challenge_on(client)
    assert first["challenge"] != second["challenge"] and first["salt"] != second["salt"]
    assert first["maxNumber"] == 2000 and "expires=" in first["salt"]


def test_a_solved_proof_keeps_its_place_once(flooded: Flask) -> None:
    client = flooded.test_client()
    assert send(client, "06 11 11 11 11") == 303  # inside the rate
    proof = solve(challenge_on(client))
    assert send(client, "06 22 22 22 22", proof) == 303
    assert send(client, "06 33 33 33 33", proof) == 303  # the same solution again
    assert send(client, "06 44 44 44 44") == 303  # no script at all
    assert lanes(flooded) == [
        ("queue", "none"),
        ("queue", "proof"),
        ("check", "none"),
        ("check", "none"),
    ]


@pytest.mark.parametrize(
    "proof",
    ["", "not base64 at all", base64.b64encode(b"[1, 2]").decode(), "e30=" * 300, "\u00e9t\u00e9"],
)
def test_a_broken_proof_is_only_not_solved(flooded: Flask, proof: str) -> None:
    client = flooded.test_client()
    send(client, "06 11 11 11 11")
    assert send(client, "06 22 22 22 22", proof) == 303
    assert lanes(flooded)[-1] == ("check", "none")


def test_a_tampered_or_expired_proof_earns_nothing(flooded: Flask) -> None:
    client = flooded.test_client()
    send(client, "06 11 11 11 11")
    task = challenge_on(client)
    forged = json.loads(base64.b64decode(solve(task)))
    forged["number"] += 1
    tampered = base64.b64encode(json.dumps(forged).encode()).decode()
    assert send(client, "06 22 22 22 22", tampered) == 303
    late = solve(challenge_on(client))
    with time_machine.travel(time.time() + 3 * 3600, tick=True):
        assert send(client, "06 33 33 33 33", late) == 303
    # Three hours later the rate has room again: the request is in the queue, but not by proof.
    assert lanes(flooded)[1:] == [("check", "none"), ("queue", "none")]
