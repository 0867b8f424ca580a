"""A revoked card batch can be restored: its cards reach their station again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from helpers.staff import StaffAccount, staff_client
from helpers.web import csrf_token, text_of

from portal.core import db
from portal.models import AuditEvent, CardBatch, Station
from portal.stations.cards import current_batch, read_card


def test_a_revoked_batch_is_restored(
    app: Flask, make_staff: Callable[..., StaffAccount], login_as: Callable[..., Any]
) -> None:
    with app.app_context():
        roanne = db.session().query(Station).filter_by(code="roanne").one()
        batch_id = current_batch(roanne, "Tirage de mars").id
        db.session().commit()
    coordinator = staff_client(app, login_as, make_staff("admin"))
    token = csrf_token(coordinator, "/staff/stations/roanne")
    coordinator.post(f"/staff/batches/{batch_id}/revoke", data={"csrf_token": token})
    page = text_of(coordinator.get("/staff/stations/roanne"))
    assert "Revoked" in page and "Restore Tirage de mars" in page
    restored = coordinator.post(f"/staff/batches/{batch_id}/restore", data={"csrf_token": token})
    assert restored.status_code == 303
    page = text_of(coordinator.get(restored.headers["Location"]))
    assert "Batch restored: its cards reach the station again." in page
    assert "Revoke Tirage de mars" in page
    with app.app_context():
        batch = db.session().get(CardBatch, batch_id)
        assert batch is not None and batch.revoked_at is None
        card = read_card(batch.short_code)
        assert card is not None and card.station is not None and card.station.code == "roanne"
        actions = [e.action for e in db.session().query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-2:] == ["card_batch_revoke", "card_batch_restore"]
    again = coordinator.post(f"/staff/batches/{batch_id}/restore", data={"csrf_token": token})
    assert "This batch is in use already." in text_of(coordinator.get(again.headers["Location"]))
