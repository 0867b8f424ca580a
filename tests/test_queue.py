"""The queue page: who to call first, what each person may see, and nothing lost between pages.

Requests are made at known moments by moving the clock when they are sent; the queue is then
looked at, as a social worker would, at a known moment in Paris.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import new_request, station_id, store_request
from helpers.fixture_types import LoginAs, LookAt, MakeStaff, SendAt
from helpers.staff import StaffAccount, act, staff_client, state
from helpers.web import csrf_of, rows

from portal.casework import callback_queue
from portal.core import db
from portal.core.timezone import PARIS
from portal.intake import callbacks

PHONES = (f"+3361200{n:04d}" for n in itertools.count(1000))
SAFE = ["10:00-12:00"]
UNSAFE = ["14:00-17:00"]
# The queue is looked at on Tuesday 9 June 2026 at 10:30 in Paris: the 10:00-12:00 window is open.
LOOK_AT = dt.datetime(2026, 6, 9, 10, 30, tzinfo=PARIS)


@pytest.fixture
def send_at(app: Flask, time_machine: Any) -> SendAt:
    """Store a request as if sent at a given moment (the clock is moved, not the row edited)."""

    def send(
        when: dt.datetime,
        station: str | None = "st-etienne",
        urgent: bool = False,
        windows: list[str] | None = None,
        **fields: Any,
    ) -> int:
        time_machine.move_to(when, tick=False)
        phone = fields.pop("phone", None)
        if phone:
            fields["phone_e164"] = phone
        return new_request(
            app,
            station or None,
            urgent=urgent,
            safe_windows=SAFE if windows is None else windows,
            name=None,
            message=None,
            **fields,
        )

    return send


@pytest.fixture
def look(app: Flask, time_machine: Any, login_as: LoginAs) -> LookAt:
    """Log someone in at a given moment, in their own browser, with the clock stopped there."""

    def at(account: StaffAccount, when: dt.datetime = LOOK_AT) -> FlaskClient:
        time_machine.move_to(when, tick=False)
        return staff_client(app, login_as, account)

    return at


def queue_ids(client: FlaskClient, query: str = "") -> list[int]:
    response = client.get(f"/staff/{query}")
    assert response.status_code == 200
    return [ident for ident, _ in rows(response.get_data(as_text=True))]


def june_8(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, 8, hour, minute, tzinfo=PARIS)


def test_urgent_then_safe_now_then_oldest(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    # Sent in an order that is neither the calling order nor the order of arrival.
    made = {
        "calm unsafe 08:00": send_at(june_8(8, 0), windows=UNSAFE),
        "urgent safe 09:00": send_at(june_8(9, 0), urgent=True),
        "urgent unsafe 08:10": send_at(june_8(8, 10), urgent=True, windows=UNSAFE),
        "calm safe 08:20": send_at(june_8(8, 20)),
        "urgent safe 08:30": send_at(june_8(8, 30), urgent=True),
        "calm safe 08:05": send_at(june_8(8, 5)),
        "urgent unsafe 08:01": send_at(june_8(8, 1), urgent=True, windows=UNSAFE),
        "calm unsafe 07:00": send_at(june_8(7, 0), windows=UNSAFE),
        "calm no window 06:00": send_at(june_8(6, 0), windows=[]),
    }
    names = {ident: name for name, ident in made.items()}
    worker = make_staff("intervenant", ["st-etienne"])
    morning = [names[i] for i in queue_ids(look(worker))]
    assert morning == [
        "urgent safe 08:30",
        "urgent safe 09:00",
        "urgent unsafe 08:01",
        "urgent unsafe 08:10",
        "calm safe 08:05",
        "calm safe 08:20",
        "calm no window 06:00",
        "calm unsafe 07:00",
        "calm unsafe 08:00",
    ]
    # At 15:00 the afternoon window is the open one: the order follows.
    afternoon = [names[i] for i in queue_ids(look(worker, LOOK_AT.replace(hour=15)))]
    assert afternoon == [
        "urgent unsafe 08:01",
        "urgent unsafe 08:10",
        "urgent safe 08:30",
        "urgent safe 09:00",
        "calm unsafe 07:00",
        "calm unsafe 08:00",
        "calm no window 06:00",
        "calm safe 08:05",
        "calm safe 08:20",
    ]


def test_the_row_says_when_to_call(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    safe = send_at(june_8(8), windows=["10:00-12:00", "12:00-14:00"])
    later = send_at(june_8(8, 1), windows=["20:00-22:00"])
    tomorrow = send_at(june_8(8, 2), windows=["08:00-10:00"])
    client = look(make_staff("intervenant", ["st-etienne"]))
    text = dict(rows(client.get("/staff/").get_data(as_text=True)))
    assert "Safe now, until 14:00" in text[safe]
    assert "Next safe window: today 20:00" in text[later]
    assert "Next safe window: tomorrow 08:00" in text[tomorrow]


def expected_order(requests: list[dict[str, Any]]) -> list[int]:
    """The calling order as the social workers asked for it, from what the test knows."""
    return [
        r["id"]
        for r in sorted(requests, key=lambda r: (not r["urgent"], not r["safe"], r["at"], r["id"]))
    ]


def next_link(page: str) -> str | None:
    found = re.search(r'<a href="(/staff/\?[^"]*after=[^"]*)">', page)
    return html.unescape(found.group(1)) if found else None


def test_pages_hold_every_open_request_exactly_once(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    made: list[dict[str, Any]] = []
    start = dt.datetime(2026, 6, 1, 9, 0, tzinfo=PARIS)
    for n in range(120):
        # Three requests share each moment, so that ties are broken by arrival too.
        at = start + dt.timedelta(minutes=7 * (n // 3))
        urgent, safe = n % 5 == 0, n % 3 != 1
        ident = send_at(at, urgent=urgent, windows=SAFE if safe else UNSAFE)
        made.append({"id": ident, "at": at, "urgent": urgent, "safe": safe})
    client = look(make_staff("intervenant", ["st-etienne"]))
    assert callback_queue.PAGE_SIZE == 50
    seen: list[int] = []
    pages = []
    link: str | None = "/staff/"
    while link:
        page = client.get(link).get_data(as_text=True)
        pages.append([ident for ident, _ in rows(page)])
        seen.extend(pages[-1])
        link = next_link(page)
        assert len(pages) <= 4, "the pages do not end"
    assert [len(p) for p in pages] == [50, 50, 20]
    assert sorted(seen) == sorted(r["id"] for r in made)
    assert seen == expected_order(made)


def test_pages_follow_on_with_times_to_the_microsecond(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(callback_queue, "PAGE_SIZE", 3)
    made = [send_at(june_8(8, n).replace(microsecond=123456 + n)) for n in range(8)]
    client = look(make_staff("intervenant", ["st-etienne"]))
    seen: list[int] = []
    link: str | None = "/staff/"
    while link and len(seen) <= len(made):
        page = client.get(link).get_data(as_text=True)
        seen.extend(i for i, _ in rows(page))
        link = next_link(page)
    assert seen == made


def test_a_tampered_cursor_is_harmless(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    first = send_at(june_8(8))
    client = look(make_staff("intervenant", ["st-etienne"]))
    for cursor in ("x", "9.nope.1", "1.2026-06-08T08:00:00.abc", "../../etc", "-1"):
        response = client.get(f"/staff/?after={cursor}")
        assert response.status_code == 200, cursor
        assert first in [i for i, _ in rows(response.get_data(as_text=True))]
    assert client.get("/staff/?after=%00").status_code in (200, 400)
    assert client.get("/staff/?after=4.2026-01-01T00:00:00.1").status_code == 200
    assert client.get("/staff/?after=1.2026-06-08T08:00:00%2B02:00.5").status_code == 200
    assert client.get("/staff/?status=closed&after=abc").status_code == 200
    assert client.get("/staff/?status=everything&station=-1").status_code == 200


def counts(page: str) -> dict[str, str]:
    """The counts above the queue, as shown: "3", or "1000+" past the cap."""
    text = html.unescape(page.split('class="counts">', 1)[1].split("</p>", 1)[0])
    return dict(re.findall(r"<span>([^:<]+): <strong>(\d+\+?)</strong>", text))


CLOSED_30 = "Closed in the last 30 days"
CANCELLED_30 = "Cancelled in the last 30 days"


@pytest.fixture
def mixed_queue(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> dict[str, int]:
    """Requests in every status, for two stations and without a station."""
    made = {
        "etienne new": send_at(june_8(7)),
        "etienne taken": send_at(june_8(7, 1)),
        "etienne closed": send_at(june_8(7, 2)),
        "chamond new": send_at(june_8(7, 4), station="st-chamond"),
        "roanne new": send_at(june_8(7, 5), station="roanne"),
        "unrouted new": send_at(june_8(7, 6), station=None),
    }
    worker = look(make_staff("intervenant", ["st-etienne", "st-chamond"], username="worker"))
    act(worker, made["etienne taken"], "take")
    act(worker, made["etienne closed"], "close", outcome="oriented", known="no")
    made["etienne cancelled"] = cancelled_by_its_author(app)
    return made


def cancelled_by_its_author(app: Flask) -> int:
    """A request cancelled with the code its author was given, as on the public cancel page."""
    submitted = store_request(app, safe_windows=SAFE, name=None, message=None)
    with app.app_context():
        assert submitted.request_id and callbacks.cancel_request(submitted.cancel_code)
        db.session().commit()
        return submitted.request_id


def test_filters_by_status_and_station_and_counts(
    app: Flask,
    mixed_queue: dict[str, int],
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    made = mixed_queue
    names = {ident: name for name, ident in made.items()}
    worker = look(make_staff("intervenant", ["st-etienne", "st-chamond"]))
    assert sorted(names[i] for i in queue_ids(worker)) == [
        "chamond new",
        "etienne new",
        "etienne taken",
    ]
    assert sorted(names[i] for i in queue_ids(worker, "?status=new")) == [
        "chamond new",
        "etienne new",
    ]
    assert [names[i] for i in queue_ids(worker, "?status=in_progress")] == ["etienne taken"]
    assert [names[i] for i in queue_ids(worker, "?status=closed")] == ["etienne closed"]
    assert [names[i] for i in queue_ids(worker, "?status=cancelled")] == ["etienne cancelled"]
    chamond = station_id(app, "st-chamond")
    assert [names[i] for i in queue_ids(worker, f"?station={chamond}")] == ["chamond new"]
    page = worker.get("/staff/").get_data(as_text=True)
    assert counts(page) == {"New": "2", "In progress": "1", CLOSED_30: "1", CANCELLED_30: "1"}
    page = worker.get(f"/staff/?station={chamond}").get_data(as_text=True)
    assert counts(page) == {"New": "1", "In progress": "0", CLOSED_30: "0", CANCELLED_30: "0"}


def test_a_social_worker_sees_only_her_stations(
    app: Flask,
    mixed_queue: dict[str, int],
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    names = {ident: name for name, ident in mixed_queue.items()}
    roanne = station_id(app, "roanne")
    worker = look(make_staff("intervenant", ["roanne"]))
    assert [names[i] for i in queue_ids(worker)] == ["roanne new"]
    # Asking for another station or for the unrouted ones shows nothing of theirs.
    etienne = station_id(app, "st-etienne")
    assert queue_ids(worker, f"?station={etienne}") == []
    assert queue_ids(worker, "?station=0") == []
    page = worker.get("/staff/").get_data(as_text=True)
    assert counts(page) == {"New": "1", "In progress": "0", CLOSED_30: "0", CANCELLED_30: "0"}
    assert "Saint-Étienne" not in html.unescape(page.split("<tbody>", 1)[1])
    offered = re.findall(r'<option value="(\d+)"', page.split('id="station"', 1)[1])
    assert offered == [str(roanne)]
    assert worker.get(f"/staff/requests/{mixed_queue['etienne new']}").status_code == 404


def test_a_coordinator_sees_every_station_and_the_unrouted(
    app: Flask,
    mixed_queue: dict[str, int],
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    names = {ident: name for name, ident in mixed_queue.items()}
    admin = look(make_staff("admin"))
    assert sorted(names[i] for i in queue_ids(admin)) == [
        "chamond new",
        "etienne new",
        "etienne taken",
        "roanne new",
        "unrouted new",
    ]
    assert [names[i] for i in queue_ids(admin, "?station=0")] == ["unrouted new"]
    page = html.unescape(admin.get("/staff/").get_data(as_text=True))
    assert "No station (coordinator)" in page
    assert counts(page)["New"] == "4"


def test_requests_open_for_too_long_are_flagged(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    stale_days = app.config["STALE_DAYS"]
    old = send_at(LOOK_AT - dt.timedelta(days=stale_days, hours=1))
    recent = send_at(LOOK_AT - dt.timedelta(days=stale_days - 1))
    old_closed = send_at(LOOK_AT - dt.timedelta(days=stale_days + 3))
    worker = look(make_staff("intervenant", ["st-etienne"]))
    act(worker, old_closed, "close", outcome="unreachable", known="unknown")
    flag = "Long wait"
    text = dict(rows(worker.get("/staff/").get_data(as_text=True)))
    assert flag in text[old]
    assert flag not in text[recent]
    closed = dict(rows(worker.get("/staff/?status=closed").get_data(as_text=True)))
    assert flag not in closed[old_closed]


def test_the_same_order_on_every_backend_for_ties_and_groups(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    # Equal arrival times in every group: the first stored comes first, whatever the database.
    made = []
    for n in range(12):
        urgent, safe = n % 2 == 0, n % 4 < 2
        ident = send_at(june_8(8), urgent=urgent, windows=SAFE if safe else UNSAFE)
        made.append({"id": ident, "at": june_8(8), "urgent": urgent, "safe": safe})
    assert queue_ids(look(make_staff("intervenant", ["st-etienne"]))) == expected_order(made)


def test_counts_of_open_requests_stop_at_a_cap(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(callback_queue, "COUNT_CAP", 3)
    for minute in range(4):
        send_at(june_8(8, minute))
    worker = look(make_staff("intervenant", ["st-etienne"]))
    page = worker.get("/staff/").get_data(as_text=True)
    assert counts(page)["New"] == "3+"
    assert len(rows(page)) == 4


def test_closed_counts_cover_the_last_thirty_days_and_the_list_keeps_them_all(
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    long_ago = send_at(LOOK_AT - dt.timedelta(days=45))
    recent = send_at(LOOK_AT - dt.timedelta(days=2))
    account = make_staff("intervenant", ["st-etienne"])
    worker = look(account, LOOK_AT - dt.timedelta(days=40))
    act(worker, long_ago, "close", outcome="accompanied", known="yes")
    worker = look(account, LOOK_AT)
    act(worker, recent, "close", outcome="oriented", known="no")
    page = worker.get("/staff/").get_data(as_text=True)
    assert counts(page)[CLOSED_30] == "1"
    assert queue_ids(worker, "?status=closed") == [recent, long_ago]


def test_closed_requests_page_most_recently_closed_first(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(callback_queue, "PAGE_SIZE", 4)
    made = [send_at(june_8(8, n)) for n in range(6)]
    worker = look(make_staff("intervenant", ["st-etienne"]))
    for ident in made:
        act(worker, ident, "close", outcome="accompanied", known="yes")
    first = worker.get("/staff/?status=closed").get_data(as_text=True)
    link = next_link(first)
    assert link
    second = worker.get(link).get_data(as_text=True)
    seen = [i for i, _ in rows(first)] + [i for i, _ in rows(second)]
    assert seen == sorted(made, reverse=True)
    assert next_link(second) is None


def test_deactivating_a_social_worker_returns_her_requests_to_the_pool(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    untouched, called = send_at(june_8(7)), send_at(june_8(7, 1))
    leaving = make_staff("intervenant", ["st-etienne"], username="leaving")
    first = look(leaving)
    act(first, untouched, "take")
    act(first, called, "attempt", outcome="no_answer")
    admin = look(make_staff("admin"), LOOK_AT + dt.timedelta(minutes=1))
    edit_page = admin.get(f"/staff/users/{leaving.id}").get_data(as_text=True)
    response = admin.post(
        f"/staff/users/{leaving.id}/deactivate", data={"csrf_token": csrf_of(edit_page)}
    )
    assert response.status_code == 303
    assert (state(app, untouched)["status"], state(app, untouched)["assigned_to_id"]) == (
        "new",
        None,
    )
    assert (state(app, called)["status"], state(app, called)["assigned_to_id"]) == (
        "in_progress",
        None,
    )
    colleague = look(make_staff("intervenant", ["st-etienne"]), LOOK_AT + dt.timedelta(minutes=2))
    text = dict(rows(colleague.get("/staff/").get_data(as_text=True)))
    assert set(text) == {untouched, called}
    assert all("leaving" not in row for row in text.values())
    assert act(colleague, called, "take").status_code == 303


def uncovered_names(page: str) -> str:
    text = html.unescape(page)
    if "Stations without an active social worker" not in text:
        return ""
    return text.split("Stations without an active social worker", 1)[1].split("</div>", 1)[0]


def test_a_station_without_social_worker_is_named_to_the_coordinator(
    app: Flask,
    send_at: SendAt,
    look: LookAt,
    make_staff: MakeStaff,
) -> None:
    firminy = send_at(june_8(7), station="firminy")
    make_staff("intervenant", ["st-etienne", "st-chamond", "gendarmerie"])
    roanne_worker = make_staff("intervenant", ["roanne"], username="roanne-worker")
    admin_account = make_staff("admin")
    admin = look(admin_account)
    page = admin.get("/staff/").get_data(as_text=True)
    named = uncovered_names(page)
    assert "Commissariat de Firminy" in named
    assert "Roanne" not in named and "Saint-Étienne" not in named
    assert firminy in [i for i, _ in rows(page)]
    # When Roanne's only social worker leaves, Roanne is named too, and its requests wait there.
    roanne = send_at(june_8(7, 5), station="roanne")
    admin = look(admin_account, LOOK_AT + dt.timedelta(minutes=1))
    edit_page = admin.get(f"/staff/users/{roanne_worker.id}").get_data(as_text=True)
    admin.post(
        f"/staff/users/{roanne_worker.id}/deactivate", data={"csrf_token": csrf_of(edit_page)}
    )
    page = admin.get("/staff/").get_data(as_text=True)
    assert "Commissariat de Roanne" in uncovered_names(page)
    assert {firminy, roanne} <= {i for i, _ in rows(page)}
    # A social worker's own queue carries no such notice.
    worker = look(make_staff("intervenant", ["firminy"]), LOOK_AT + dt.timedelta(minutes=2))
    assert uncovered_names(worker.get("/staff/").get_data(as_text=True)) == ""
