"""A request left in "to check" that nobody sorted is not kept for ever: past the retention period
the purge closes it and erases its personal data; a recent one stays as it is."""

from __future__ import annotations

from typing import Any

from flask import Flask
from helpers.factories import store_request
from helpers.staff import Clock
from sqlalchemy import update

from portal.core import crypto, db
from portal.models import CallbackRequest


def to_check(app: Flask, phone: str) -> int:
    submitted = store_request(app, phone_e164=phone, safe_windows=["10:00-12:00"], name="Léa")
    assert submitted.request_id is not None
    with app.app_context():
        db.session().execute(
            update(CallbackRequest)
            .where(CallbackRequest.id == submitted.request_id)
            .values(lane="check")
        )
        db.session().commit()
    return submitted.request_id


def test_unsorted_requests_are_erased_after_the_retention_period(
    app: Flask, runner: Any, clock: Clock
) -> None:
    old = to_check(app, "+33612340001")
    clock.advance(days=app.config["RETENTION_DAYS"] + 1)
    recent = to_check(app, "+33612340002")

    result = runner.invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        erased = db.session().get(CallbackRequest, old)
        kept = db.session().get(CallbackRequest, recent)
        assert erased is not None and kept is not None
        assert not erased.is_open and erased.purged_at is not None
        assert erased.phone_enc is None and erased.name_enc is None
        assert erased.phone_index is None and erased.cancel_hash is None
        assert kept.is_open and kept.purged_at is None
        assert crypto.decrypt(kept.phone_enc) == "+33612340002"
