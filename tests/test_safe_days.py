"""Safe days as well as hours: a request safe on weekdays only is not safe on a Saturday inside its
hours, in the queue's order, its "next safe window" and its scheduling, across daylight saving.

Europe/Paris in 2026: Sunday 29 March 02:00 becomes 03:00; Sunday 25 October 03:00 becomes 02:00.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from helpers.factories import stored_row
from sqlalchemy import select

from portal.casework import callback_queue, transitions
from portal.casework.windows import (
    WEEKDAYS,
    is_safe_now,
    next_safe_start,
    safe_until,
    slot_bit,
    window_mask,
)
from portal.core import db
from portal.core.timezone import PARIS
from portal.intake import callbacks
from portal.models import CallbackRequest, StaffUser, Station

MORNING = "10:00-12:00"
NIGHT = "22:00-08:00"
SATURDAY, SUNDAY, FRIDAY = 5, 6, 4


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def safe(windows: list[str], days: list[int] | None, moment: dt.datetime) -> bool:
    """Safe by the Python rule, and the queue's SQL bit test agrees."""
    by_rule = is_safe_now(windows, moment, days)
    assert bool(slot_bit(moment) & window_mask(windows, days)) is by_rule
    return by_rule


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (paris(2026, 6, 12, 10, 30), True),  # Friday
        (paris(2026, 6, 13, 10, 30), False),  # Saturday, inside the hours
        (paris(2026, 6, 14, 10, 30), False),  # Sunday
        (paris(2026, 6, 15, 10, 30), True),  # Monday
    ],
)
def test_weekdays_only_is_not_safe_at_the_weekend(moment: dt.datetime, expected: bool) -> None:
    assert safe([MORNING], list(WEEKDAYS), moment) is expected


def test_without_days_every_day_is_safe() -> None:
    for day in range(8, 15):
        assert safe([MORNING], None, paris(2026, 6, day, 10, 30))


def test_a_night_belongs_to_the_day_it_starts() -> None:
    friday_night = [NIGHT]
    assert safe(friday_night, [FRIDAY], paris(2026, 6, 12, 23, 0))
    assert safe(friday_night, [FRIDAY], paris(2026, 6, 13, 2, 0))  # still Friday's night
    assert not safe(friday_night, [FRIDAY], paris(2026, 6, 13, 23, 0))
    assert not safe(friday_night, [FRIDAY], paris(2026, 6, 12, 2, 0))  # Thursday's night


def test_next_safe_window_skips_the_weekend() -> None:
    saturday = paris(2026, 6, 13, 10, 30)
    assert next_safe_start([MORNING], saturday, list(WEEKDAYS)) == paris(2026, 6, 15, 10, 0)
    assert next_safe_start([MORNING], saturday, None) == paris(2026, 6, 14, 10, 0)


def test_next_sunday_window_across_the_spring_change() -> None:
    # Friday 27 March, 12:00 (UTC+1); the Sunday window opens at 10:00 summer time (UTC+2).
    opening = next_safe_start([MORNING], paris(2026, 3, 27, 12, 0), [SUNDAY])
    assert opening == paris(2026, 3, 29, 10, 0)
    assert opening is not None and opening.utcoffset() == dt.timedelta(hours=2)
    assert opening.astimezone(dt.UTC) == dt.datetime(2026, 3, 29, 8, 0, tzinfo=dt.UTC)


def test_sunday_windows_across_the_autumn_change() -> None:
    # Sunday 25 October: 10:30 is winter time (UTC+1), safe on Sunday, not on Saturday.
    sunday = dt.datetime(2026, 10, 25, 9, 30, tzinfo=dt.UTC)
    assert sunday.astimezone(PARIS).hour == 10
    assert safe([MORNING], [SUNDAY], sunday)
    assert not safe([MORNING], [SATURDAY], sunday)
    assert safe_until([MORNING], sunday, [SUNDAY]) == paris(2026, 10, 25, 12, 0)
    # Saturday evening, summer time: the next Sunday window opens after the change.
    opening = next_safe_start([MORNING], paris(2026, 10, 24, 20, 0), [SUNDAY])
    assert opening == paris(2026, 10, 25, 10, 0)
    assert opening is not None and opening.utcoffset() == dt.timedelta(hours=1)


# --- The form, the queue and scheduling. ---


def test_the_form_stores_the_days_chosen(submit: Any, stored_requests: Any) -> None:
    response = submit(days=["0", "1", "2", "3", "4"])
    assert response.status_code == 303
    (stored,) = stored_requests()
    assert stored.safe_days == [0, 1, 2, 3, 4]
    assert stored.window_mask == window_mask(stored.safe_windows, [0, 1, 2, 3, 4])


def test_no_day_chosen_means_every_day(submit: Any, stored_requests: Any) -> None:
    assert submit().status_code == 303
    (stored,) = stored_requests()
    assert stored.safe_days is None
    assert stored.window_mask == window_mask(stored.safe_windows)


def test_a_day_not_on_the_list_is_refused_in_plain_words(client: Any, submit: Any) -> None:
    response = submit(path="/en/", days=["7"])
    assert response.status_code == 400
    assert "Choose days from the list." in response.get_data(as_text=True)


def test_the_form_names_the_days_in_the_readers_language(client: Any) -> None:
    assert "Samedi" in client.get("/fr/").get_data(as_text=True)
    assert "السبت" in client.get("/ar/").get_data(as_text=True)


def _request(app: Flask, phone: str, days: list[int] | None) -> int:
    with app.app_context():
        station = db.session().scalars(select(Station).where(Station.code == "st-etienne")).one()
        details = callbacks.RequestDetails(
            phone_e164=phone,
            call_language="fr",
            page_language="fr",
            safe_windows=[MORNING],
            safe_days=days,
            station_id=station.id,
        )
        submitted = callbacks.submit_request(details)
        assert submitted.stored and submitted.request_id
        return submitted.request_id


def test_queue_and_scheduling_follow_the_days(
    app: Flask, make_staff: Any, time_machine: Any
) -> None:
    time_machine.move_to(paris(2026, 6, 12, 9, 0), tick=False)  # Friday morning
    request_id = _request(app, "+33611223344", list(WEEKDAYS))
    time_machine.move_to(paris(2026, 6, 12, 9, 1), tick=False)
    any_day = _request(app, "+33611223355", None)
    account = make_staff("intervenant", ["st-etienne"])
    with app.app_context():
        user = stored_row(StaffUser, account.id)
        request = stored_row(CallbackRequest, request_id)
        assert user and request
        # Safe now first: on Saturday only the newer any-day request; on Monday both, oldest first.
        saturday = callback_queue.open_queue(user, paris(2026, 6, 13, 10, 30))
        assert [r.id for r in saturday.requests] == [any_day, request_id]
        monday = callback_queue.open_queue(user, paris(2026, 6, 15, 10, 30))
        assert [r.id for r in monday.requests] == [request_id, any_day]
        with pytest.raises(transitions.CaseworkError) as refused:
            transitions.schedule(request, user, paris(2026, 6, 13, 10, 30), request.version)
        assert refused.value.code == "outside_windows"
        transitions.schedule(request, user, paris(2026, 6, 15, 10, 30), request.version)
        db.session().commit()
        assert request.next_attempt_at == dt.datetime(2026, 6, 15, 8, 30)
