"""Twenty sends from one number at the same moment: every one is confirmed, every code shown opens
her entry (the requests written over at the number's bound included), and the entry has one head.

On PostgreSQL, through a real loopback server, all twenty released together.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable

from flask import Flask
from helpers.faults import served
from helpers.production import FormVisitor, confirmed, get
from helpers.settings import needs_postgres
from helpers.web import csrf_token
from sqlalchemy import select

from portal.cli.demo_data import create_demo_stations
from portal.core import crypto, db
from portal.models import OPEN_STATUSES, CallbackRequest

SENDS = 20
PHONE = "06 45 45 45 45"
CODE_RE = re.compile(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>')


def send_together(port: int) -> list[str]:
    """Twenty people's browsers load the form, then all send it at once; the codes shown."""
    visitors = [FormVisitor(port) for _ in range(SENDS)]
    for visitor in visitors:
        assert visitor.load().status == 200
    start = threading.Barrier(SENDS)
    codes: list[str] = []

    def send(visitor: FormVisitor) -> None:
        start.wait(timeout=30)
        answer = visitor.send(PHONE)
        assert confirmed(answer), answer.status
        cookie = answer.headers.get("set-cookie", "").split(";", 1)[0]
        page = get(port, "/fr/sent", Cookie=cookie or visitor.cookie)
        found = CODE_RE.search(page.body)
        assert found, "no code on the confirmation"
        codes.append(found.group(1))

    threads = [threading.Thread(target=send, args=(v,)) for v in visitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


@needs_postgres()
def test_twenty_sends_at_once_from_one_number(make_app: Callable[..., Flask]) -> None:
    # Twenty wait in turn for the number's lock: on a busy machine, longer than a request may
    # wait on a silent network; this test is about who wins, not about deadlines.
    app = make_app(
        SUBMIT_LIMITS="1000 per minute", PAGE_CACHE_SECONDS=0, DATABASE_DEADLINE_SECONDS=60
    )
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    with served(app) as port:
        codes = send_together(port)
    assert len(codes) == SENDS and len(set(codes)) == SENDS

    client = app.test_client()
    for code in codes:
        page = client.post(
            "/en/cancel",
            data={"csrf_token": csrf_token(client, "/en/cancel"), "code": code},
            follow_redirects=True,
        )
        shown = html.unescape(page.get_data(as_text=True))
        assert "Your request" in shown and "No open request has this code" not in shown

    with app.app_context():
        number = crypto.blind_index("+33645454545")
        entry = list(
            db.session().scalars(
                select(CallbackRequest)
                .where(
                    CallbackRequest.phone_index == number,
                    CallbackRequest.status.in_(OPEN_STATUSES),
                )
                .order_by(CallbackRequest.id)
            )
        )
        heads = [r for r in entry if r.duplicate_of_id is None]
        assert len(heads) == 1 and heads[0].id == entry[0].id
        assert all(r.duplicate_of_id == heads[0].id for r in entry[1:])
        assert len(entry) == app.config["MAX_OPEN_PER_PHONE"]
        assert sum(r.folded_count for r in entry) == SENDS - len(entry)
